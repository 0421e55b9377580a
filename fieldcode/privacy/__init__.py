"""Pseudonymisation: finding identifying details in the study's transcripts, the reviewed key
(original -> pseudonym, kept in a file of its own beside codebook.yaml, never in the database),
and the text maths that replaces accepted details, maps offsets onto the new text and checks
for leaks.

* ``scan``     candidates: speaker labels, identifying attributes' values, names known to the
               study, rare capitalised words, numbers that look like ages, dates, addresses,
               postcodes, phone numbers, e-mail addresses, URLs, and a trained spaCy
               pipeline's entities when the settings name one (offline: nothing is downloaded)
* ``key``      the key file ``pseudonyms.key.yaml``: entries, their review state and pseudonym,
               written atomically with 0600 permissions
* ``replace``  ``pseudonymise`` (text + offset map) and ``leaks`` (the check every
               pseudonymised export runs before it is written)
* ``review``   the review queue's operations: scan into the key, accept, reject, add; each
               decision also logged as an event in the database (who, when, the key entry's
               id, never the original)
* ``merging``  ``fieldcode merge``'s share: another copy's decisions into this database and
               key file, with the rule for two reviewers' conflicting decisions

Layer: a domain room beside ``team``, ``find`` and ``exchange`` (independent of them); it may
import ``analysis``, ``store``, ``ingest``, ``study`` and the ground floor.
"""
