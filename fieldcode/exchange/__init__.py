"""Exchange with other QDA tools (REFI-QDA projects ``.qdpx``/``.qde`` and codebooks ``.qdc``).

* ``offsets``: the ways tools count positions in a plain-text source, the map from a file's
  positions to fieldcode's normalised text, and the fitting that picks the counting a file uses.
* ``refi_read``: parse a REFI-QDA file into plain dataclasses (nothing touches the database).
* ``refi_write``: build the XML of a whole study or of its codebook.
* ``refi_import``: bring a parsed file into a study, all or nothing.
"""
