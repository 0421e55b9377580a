"""The coding protocol a reviewer can trust: arm-blind coding and independent passes.

* ``blinding``  who is blind, what they must not see (attributes, names, terms), the neutral
                interview labels and the same-length masks of the transcript as displayed
* ``handin``    handing an interview in (closed to the coder's further coding) and reopening it
* ``order``     each coder's interview order, shuffled with a recorded seed

Layer: a domain package, beside ``team``, ``find``, ``exchange`` and ``privacy``, above
``analysis``.  May import ``analysis``, ``store``, ``ingest``, ``study`` and the ground floor;
its records live in ``fieldcode.store.protocol``.
"""
