"""Who is blind, and what a blind coder must not see.

A study is blind when its codebook's ``study:`` section names ``blind:`` attributes (e.g.
``[arm, pair, neighbourhood]``) or ``blind_terms:``; its ``lead:`` is never blind.  Every other
coder is blind until the lead ends blinding (``fieldcode blind end``) or unblinds them
(``fieldcode blind unblind CODER``); both are steps of the event log (``store.protocol``).

For a blind coder, :class:`Blinder` gives

* **neutral labels** for interviews (``I-7K2``): three characters of a hash of the study's name
  and the interview's name, in an alphabet without look-alikes.  The same for every coder and
  every copy, unchanged when interviews are added (a hash, not a rank: a rank in import or name
  order would leak the order the files were named in).  Two names whose three characters
  collide both get a fourth, and so on.
* **masks**: every value of a hidden attribute (3 characters or more) and every blind term is
  masked where it stands, case-insensitively and as a whole word, by a mask of the **same
  length** (``[place··]``, ``[arm····]``, ``[···]`` for short words).  The transcript shown
  keeps every character offset and every line break, so a selection on the masked text is the
  same span of the stored text; nothing stored changes.
* ``mask_output``: any text about to be shown (a command's output, an error message, a file
  name) with interview names replaced by labels and hidden values masked.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from fieldcode.store import protocol as sp

LABEL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MIN_MASKED = 3          # shorter values (an arm called "A") are hidden as attributes, not masked in text
FILL = "\u00b7"         # one column wide, never a line break


def policy_of(study) -> sp.BlindPolicy:  # noqa: ANN001
    return sp.BlindPolicy(on=study.is_blind, lead=study.lead)


def neutral_labels(names: Iterable[str], salt: str) -> dict[str, str]:
    """name -> label, stable per study (see the module docstring)."""
    names = sorted(set(names))
    digests = {n: int.from_bytes(hashlib.sha256(f"{salt}\0{n}".encode()).digest(), "big") for n in names}

    def code(n: str, width: int) -> str:
        x, chars = digests[n], []
        for _ in range(width):
            x, r = divmod(x, len(LABEL_ALPHABET))
            chars.append(LABEL_ALPHABET[r])
        return "I-" + "".join(chars)

    labels: dict[str, str] = {}
    pending, width = list(names), 3
    while pending:
        cand = {n: code(n, width) for n in pending}
        counts = Counter(cand.values())
        for n, c in cand.items():
            if counts[c] == 1:
                labels[n] = c
        pending = [n for n in pending if n not in labels]
        width += 1
    return labels


def mask_for(word: str, label: str) -> str:
    """A mask as long as ``word`` (line breaks kept where they were)."""
    n = len(word)
    if n >= len(label) + 2:
        m = "[" + label + FILL * (n - len(label) - 2) + "]"
    elif n >= 2:
        m = "[" + FILL * (n - 2) + "]"
    else:
        m = FILL * n
    return "".join(w if w == "\n" else c for w, c in zip(word, m))


def mask_label(attribute: str | None) -> str:
    return "arm" if attribute == "arm" else "place"


@dataclass
class Blinder:
    """What one blind coder sees instead (see the module docstring)."""

    coder: str
    hidden: tuple[str, ...]
    labels: dict[str, str]                                  # interview name -> label
    terms: dict[str, str] = field(default_factory=dict)     # casefolded term -> mask label
    lead: str = ""

    def __post_init__(self) -> None:
        words = sorted(self.terms, key=len, reverse=True)
        self._re = re.compile(r"(?<!\w)(?:" + "|".join(
            r"\s+".join(re.escape(p) for p in w.split()) for w in words) + r")(?!\w)", re.IGNORECASE) if words else None
        self._names = {v: k for k, v in self.labels.items()}
        aliases: dict[str, str] = {}
        for name, label in self.labels.items():
            aliases[name] = label
            stem = PurePath(name).stem
            # a file stem stands for its interview unless it could be an ordinary word ("a", "notes")
            if stem != name and (len(stem) >= 8 or not stem.isalpha()) and len(stem) >= 3:
                aliases.setdefault(stem, label)
        keys = sorted(aliases, key=len, reverse=True)
        self._aliases = aliases
        self._name_re = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])") \
            if keys else None

    # -- labels -----------------------------------------------------------------------------
    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def name_of(self, label: str) -> str | None:
        return self._names.get(label)

    def attributes(self, attrs: Mapping[str, str]) -> dict[str, str]:
        """An interview's attributes without the hidden ones (their values masked in the rest)."""
        return {k: self.mask_output(v) for k, v in attrs.items() if k not in self.hidden}

    # -- masks ------------------------------------------------------------------------------
    def mask_text(self, text: str) -> str:
        """The transcript as a blind coder sees it: same length, same offsets, same lines."""
        if self._re is None:
            return text
        return self._re.sub(lambda m: mask_for(m.group(0), self.terms.get(" ".join(m.group(0).split()).casefold(),
                                                                            "place")), text)

    def mask_output(self, text: str) -> str:
        """Any text about to be shown: interview names as labels, hidden values masked."""
        if self._name_re is not None:
            text = self._name_re.sub(lambda m: self._aliases[m.group(0)], text)
        return self.mask_text(text)


def build(coder: str, study, interviews: Iterable[tuple[str, Mapping[str, str]]]) -> Blinder:  # noqa: ANN001
    """The blinder of ``coder`` for ``interviews`` (name, attributes)."""
    interviews = list(interviews)
    terms: dict[str, str] = {}
    for t in study.blind_terms:
        if len(t) >= 1:
            terms[" ".join(t.split()).casefold()] = "place"
    for _name, attrs in interviews:
        for k in study.blind:
            v = " ".join(str(attrs.get(k, "")).split())
            if len(v) >= MIN_MASKED:
                terms.setdefault(v.casefold(), mask_label(k))
    return Blinder(coder=coder, hidden=tuple(study.blind), labels=neutral_labels((n for n, _ in interviews), study.name),
                   terms=terms, lead=study.lead)


def blinder_for(project) -> Blinder | None:  # noqa: ANN001
    """The project coder's blinder, or None when they see everything.  Also tells the store the
    study's policy (every coding records whether its coder was blind) and, for a blind coder,
    the labels (an interview may be named by its label wherever a name is taken)."""
    store = project.store
    store.blind_policy = policy_of(project.study)
    if not sp.is_blind(store, store.blind_policy, project.coder):
        store.interview_labels = {}
        return None
    attrs = store.all_attributes()      # two light reads, not the coding progress interview_infos adds
    b = build(project.coder, project.study,
              ((name, attrs.get(iid, {})) for name, (iid, _sha) in store.interview_versions().items()))
    store.interview_labels = dict(b.labels)
    return b


def is_blind(project) -> bool:  # noqa: ANN001
    return sp.is_blind(project.store, policy_of(project.study), project.coder)


def refusal(project, what: str) -> str:  # noqa: ANN001
    """Why ``what`` is closed to the project's (blind) coder, and who opens it."""
    st = project.study
    hidden = ", ".join(st.blind) or "the blind terms"
    return (f"{what} is closed to you ({project.coder}) while the study is blind: it would show what you code blind "
            f"to (study.blind: {hidden}). The lead ({st.lead}) opens it with 'fieldcode blind end --reason TEXT' "
            f"or 'fieldcode blind unblind {project.coder} --reason TEXT'")
