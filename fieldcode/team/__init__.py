"""Coding as a team: agreement units, reliability statistics, the consensus review and
merging another coder's copy of the study.

* ``agreement``    the units coders are compared on (sentence, turn, char, word, interview),
                   their histograms and the list of disagreements
* ``reliability``  observed and positive agreement, Cohen's kappa, Krippendorff's alpha
* ``consensus``    the headless review of two coders' disagreements
* ``merge``        planning and applying a merge of another copy of the project

Layer: a domain package, beside ``find`` and ``exchange``, above ``analysis``.  May import
``analysis``, ``store``, ``ingest``, ``study`` and the ground floor.
"""
