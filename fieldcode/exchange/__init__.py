"""Files in and out of the study: transcripts imported, REFI-QDA exchange with other QDA tools
(projects ``.qdpx``/``.qde`` and codebooks ``.qdc``) and codings as CSV.

* ``importer``     transcripts in: read, normalise, mark turns and sentences, store each
                   interview in one transaction; re-import and re-anchoring
* ``remark``       turns detected again from the stored text after a turn setting changed, and
                   the note naming the paragraphs ``turns: questions`` is unsure of
* ``codingio``     codings in and out of CSV (by offsets or by exact quote)
* ``offsets``      the ways tools count positions in a plain-text source, the map from a file's
                   positions to fieldcode's normalised text, and the fitting that picks the
                   counting a file uses
* ``refi_read``    parse a REFI-QDA file into plain dataclasses (nothing touches the database)
* ``refi_write``   build the XML of a whole study or of its codebook
* ``refi_import``  bring a parsed file into a study, all or nothing

Layer: a domain package, beside ``team`` and ``find``.  May import ``analysis``, ``store``,
``ingest``, ``study`` and the ground floor.  The importer lives here rather than in ``ingest``
because it writes through the store, and ``ingest`` sits below the store (the store's
re-anchoring and index use ``ingest.align`` and ``ingest.segment``).
"""
