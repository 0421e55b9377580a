"""The command table: every command's name, the module(s) that define it and its help's first
sentence, in the order of the help listing.  Data only, imported by ``fieldcode.cli.index`` (to
build only the command it runs) and by ``fieldcode.cli.base`` (to list every command without
building any); tests/test_startup.py checks it against the whole app."""

from __future__ import annotations

# name, modules that define it (a group: every module that adds a subcommand), first sentence
# of its help.  The order is the order of the help listing.
COMMANDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("init", ("fieldcode.cli.project",),
     "Start a new study: a commented codebook.yaml template and an empty interviews/ folder."),
    ("summary", ("fieldcode.cli.project",),
     "Show the project: codebook, interviews per pair and arm, codings, coders."),
    ("settings", ("fieldcode.cli.project",), "Show where the user settings file is and what it holds."),
    ("import", ("fieldcode.cli.project",),
     "Import transcripts (.txt .md .docx .odt .rtf .vtt .srt .pdf), or a REFI-QDA project (.qdpx, .qde) "
     "or codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA or QualCoder."),
    ("undo", ("fieldcode.cli.coding",), "Undo your latest coding change (works across restarts)."),
    ("redo", ("fieldcode.cli.coding",), "Redo the change you undid most recently."),
    ("log", ("fieldcode.cli.coding",), "The audit trail: who changed which coding when (newest first)."),
    ("open", ("fieldcode.cli.coding",), "Open the coding screen (the same as running fieldcode with no command)."),
    ("crosstab", ("fieldcode.cli.analysis",), "Cross-tabulate codes against interview groups (by default pair x arm)."),
    ("compare", ("fieldcode.cli.analysis",),
     "Paired comparison: each theme in the focal arm versus its twin, pair by pair, with how many pairs point "
     "each way (k of n, ties apart), an exact sign test across pairs (descriptive), the smallest p the number "
     "of pairs allows (2 x 0.5^n: 0.25 with 3 pairs) with a warning when it is above --alpha, and balance "
     "warnings."),
    ("frequencies", ("fieldcode.cli.analysis",),
     "Code frequencies: segments, interviews mentioning each code, coded words and per 1,000."),
    ("cooccurrence", ("fieldcode.cli.analysis",),
     "Code co-occurrence (codes x codes), by overlapping span or by same speaker turn, within each "
     "coder's own codings."),
    ("coverage", ("fieldcode.cli.analysis",),
     "Coding coverage per interview and coder: share of the analysed words coded with any code."),
    ("agreement", ("fieldcode.cli.agreement",),
     "Intercoder agreement per code and overall: observed agreement, positive (specific) agreement, "
     "Cohen's kappa for each pair of coders and Krippendorff's alpha (nominal, any number of coders, "
     "missing data allowed)."),
    ("disagreements", ("fieldcode.cli.agreement",),
     "List the passages (or units) where two coders differ: for each, the interview, the offsets, the "
     "text and each coder's codes on it (the codes only one of them applied are marked *)."),
    ("review", ("fieldcode.cli.agreement",),
     "Open the review screen: the two coders' disagreements one passage at a time, both coders' codings "
     "side by side on the transcript in their codes' colours."),
    ("merge", ("fieldcode.cli.agreement",), "Merge another copy of this project (a coder's own laptop, say) into this one."),
    ("saturation", ("fieldcode.cli.saturation",),
     "Code saturation by Guest, Namey & Chen's (2020) rule, per coder and per arm, with its curve "
     "and a bootstrap over interview orders."),
    ("report", ("fieldcode.cli.report",),
     "Write the methods appendix: a self-contained HTML report, its Markdown twin and a Word copy."),
    ("show", ("fieldcode.cli.show",),
     "Print an interview's numbered sentences (or speaker turns) with speaker and text: the numbers that "
     "--sentence N and --turn N take."),
    ("search", ("fieldcode.cli.search",),
     "Find passages across the study, keyword-in-context, with hits counted by pair x arm."),
    ("codebook", ("fieldcode.cli.project", "fieldcode.cli.recheck"), "Check and show codebook.yaml."),
    ("code", ("fieldcode.cli.coding",),
     "Open the coding screen (fieldcode code [INTERVIEW]), or add, list, change and remove codings."),
    ("export", ("fieldcode.cli.analysis", "fieldcode.cli.exchange", "fieldcode.cli.agreement", "fieldcode.cli.framework"),
     "Write counts, coded segments or a quote matrix to files for the write-up."),
    ("codes", ("fieldcode.cli.codes",),
     "Create, rename, recolour, move, merge, split and re-key codes (codebook.yaml is edited for you)."),
    ("suggest", ("fieldcode.cli.search", "fieldcode.cli.learn"),
     "Propose codings (from a search, codebook keywords or a model trained on your codings) and review "
     "them: nothing becomes a coding until its coder accepts it."),
    ("interviews", ("fieldcode.cli.interviews",),
     "List interviews with their attributes, word counts and coding progress, or rename, remove and "
     "restore one."),
    ("turns", ("fieldcode.cli.turns",),
     "List an interview's speaker turns and who speaks each, and correct a single turn's role "
     "(interviewer or participant)."),
    ("framework", ("fieldcode.cli.framework",),
     "Write, list and delete framework-matrix summaries: each coder's short summary of an interview under a "
     "theme, citing the coded passages it rests on, and the cell's consensus summary."),
    ("pseudonyms", ("fieldcode.cli.pseudonyms",),
     "Find identifying details in the transcripts (names, places, ages, dates, addresses, ...), review "
     "them and keep their pseudonyms in a key file apart from the database."),
    # the coding protocol (fieldcode.protocol): blinding, hand-ins, each coder's order
    ("blind", ("fieldcode.cli.blind",),
     "Blind coding: who is blind, and the lead's ending of it (for everyone or one coder)."),
    ("handin", ("fieldcode.cli.handin",),
     "Hand an interview in: your pass on it is done, and it is closed to your further coding until reopened."),
    ("reopen", ("fieldcode.cli.handin",),
     "Reopen an interview that was handed in, so its coder may code it again (logged with who and why)."),
    ("next", ("fieldcode.cli.handin",),
     "Print your next interview: the first not handed in, in your own order (shuffled per coder with a "
     "recorded seed)."),
    ("recheck", ("fieldcode.cli.recheck",),
     "List the codings made under an older definition of their code (the re-check queue), and keep, recode "
     "or remove them."),
)
MODULES: dict[str, tuple[str, ...]] = {name: mods for name, mods, _ in COMMANDS}
# every command module, in the order fieldcode.cli imports them (the order of each group's listing)
ALL_MODULES: tuple[str, ...] = ("fieldcode.cli.project", "fieldcode.cli.interviews", "fieldcode.cli.coding", "fieldcode.cli.analysis",
                                "fieldcode.cli.exchange", "fieldcode.cli.agreement", "fieldcode.cli.saturation", "fieldcode.cli.report", "fieldcode.cli.codes",
                                "fieldcode.cli.show", "fieldcode.cli.turns", "fieldcode.cli.framework", "fieldcode.cli.search", "fieldcode.cli.learn",
                                "fieldcode.cli.pseudonyms", "fieldcode.cli.blind", "fieldcode.cli.handin", "fieldcode.cli.recheck")
