"""The methods report (``fieldcode report``): one self-contained HTML page, its Markdown twin and
a Word copy, holding the design, the codebook and its versions, the coders, blinding, agreement
with intervals, code saturation, the crosstab and the paired comparison, their figures, and the
provenance of every number.

Modules
-------
* ``model``     the report as plain data (sections of paragraphs, tables and figures), so that
                every output format, and pseudonymisation, work on one thing
* ``study``     the design, the codebook, the coders, blinding and provenance sections
* ``results``   the agreement, saturation, crosstab and comparison sections: their numbers come
                from the very functions the commands call (``team.reliability.agreement``,
                ``analysis.saturation.saturation``, ``analysis.crosstab``, ``analysis.compare`` /
                ``analysis.paired_coders.compare_by_coder``)
* ``gather``    the options and the assembly of the whole report
* ``figures``   the figures, drawn by matplotlib as SVG (and PNG for Word), byte for byte the same
                for the same data
* ``html``, ``markdown``, ``word``   the three renderings
* ``writing``   writing the files (staged and leak-checked with ``--pseudonymise``)

Layer: between the front ends and ``project``: may import ``project``, ``team``, ``privacy``,
``analysis``, ``store``, ``study`` and the ground floor; only ``cli`` (and ``tui``) import it.
It only reads the database.
"""
