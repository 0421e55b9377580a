"""Finding passages and proposing codings: search over the word index, keyword and search
suggestions, and the model learned from a coder's own codings.

* ``search``   lemma, exact and regular-expression search with filters, hits counted by group
* ``suggest``  proposals from a search or the codebook's keywords, into the review queue
* ``learn``    spaCy text classification trained on one coder's codings, evaluated and run

Layer: a domain package, beside ``team`` and ``exchange``, above ``analysis``.  May import
``analysis``, ``store``, ``ingest``, ``study`` and the ground floor.  The index's database side
(its writer and its reader) lives in ``fieldcode.store``, because the store keeps the index in
step with every stored text inside the same transaction.
"""
