"""Reading transcripts: files to normalised text, speaker turns and spaCy sentences.

* ``decoding``  bytes to text (UTF-8, BOM, named encodings), said out loud when it guesses
* ``readers``   one reader per format (.txt .md .docx .odt .rtf .vtt .srt .pdf)
* ``pdftext``   a PDF's visible text laid out as a person reads it
* ``markdown``  Markdown as rendered text
* ``segment``   spaCy sentences, words and lemmas (no model download)
* ``align``     moving offsets from an old text to a new one (re-anchoring)
* ``quotes``    finding an exact quote in a text
* ``zipcheck``  zip containers (.docx, .qdpx) read within stated limits before anything is unpacked

Layer: below ``store``, beside ``study``.  May import the ground floor only; nothing here
touches the database or a terminal.  (The importer, which writes what this package reads
through the store, lives in ``fieldcode.exchange``: it sits above the store.)
"""
