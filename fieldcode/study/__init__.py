"""The study as the researcher writes it: the codebook, its editing, the study design, the
colour palette, the user's settings and the study folder.

* ``folder``         the study folder's files, finding it, ``fieldcode init``'s template
* ``codebook``       parsing and validating ``codebook.yaml`` (every error with file and line)
* ``codebook_edit``  editing ``codebook.yaml`` in place, touching only the lines a change needs
* ``design``         interview attributes (front matter, ``attributes.csv``), design warnings,
                     and each interview's turn rule
* ``palette``        code colours and their contrast
* ``settings``       the user's settings file and who the coder is (a name is checked before use)
* ``patterns``       the user's own regular expressions, compiled and run with a time limit

Layer: below ``store``.  May import the ground floor (``fieldcode.text``, ``spans``,
``errors``, ``safe``, ``lazy``, ``runinfo``) and nothing else of fieldcode: no database, no
terminal, no spaCy.
"""
