"""The coding screen's key bindings as data, read by the coding screen (which binds them) and by
the help screen (which lists them): kept apart so neither imports the other."""

from __future__ import annotations

# (id, keys, action, description, show in footer).  The ids are what users remap in the
# [keys] table of settings.toml.
CODING_KEYS: list[tuple[str, str, str, str, bool]] = [
    # selecting
    ("select_sentence", "s", "select_sentence", "Sentence", True),
    ("extend_sentence", "S", "extend_sentence", "Extend selection by a sentence", False),
    ("shrink_sentence", "D", "shrink_sentence", "Shrink selection by a sentence", False),
    ("next_sentence", "right_parenthesis", "next_sentence", "Next sentence", False),
    ("prev_sentence", "left_parenthesis", "prev_sentence", "Previous sentence", False),
    ("select_paragraph", "p", "select_paragraph", "Select paragraph", False),
    ("select_turn", "t", "select_turn", "Turn", False),
    ("toggle_turn_role", "T", "toggle_turn_role", "Mark the turn under the cursor interviewer/participant", False),
    ("select_word", "w", "select_word", "Select word", False),
    ("extend_word", "W", "extend_word", "Extend selection by a word", False),
    ("shrink_word", "B", "shrink_word", "Shrink selection by a word", False),
    # coding
    ("pick_code", "c", "pick_code", "Code", True),
    ("in_vivo", "v", "in_vivo", "In-vivo code", False),
    ("remove_coding", "x", "remove_coding", "Remove", False),
    ("change_code", "e", "change_code", "Change code", False),
    ("extend_coding", "right_square_bracket", "extend_coding", "Extend coding by a sentence", False),
    ("shrink_coding", "left_square_bracket", "shrink_coding", "Shrink coding by a sentence", False),
    ("fit_coding", "equals_sign", "fit_coding", "Fit coding to the selection", False),
    ("cycle_coding", "full_stop", "cycle_coding", "Next coding under the cursor", False),
    ("undo", "ctrl+z", "undo", "Undo", True),
    ("redo", "ctrl+y", "redo", "Redo", False),
    ("manage_codes", "k", "manage_codes", "Manage codes (new, rename, colour, move, merge, key)", False),
    ("suggestions", "g", "suggestions", "Review your suggestions (accept, reject, skip, adjust)", False),
    ("handin", "H", "handin", "Hand this interview in (press twice): closed to your further coding", False),
    # memos
    ("memo", "m", "memo", "Memo", True),
    ("memos", "M", "memos", "Memos", True),
    # moving
    ("next_coding", "n", "next_coding", "Next coding", False),
    ("prev_coding", "N", "prev_coding", "Previous coding", False),
    ("next_uncoded", "u", "next_uncoded", "Next uncoded turn", False),
    ("next_interview", "right_curly_bracket,ctrl+pagedown", "next_interview", "Next interview", False),
    ("prev_interview", "left_curly_bracket,ctrl+pageup", "prev_interview", "Previous interview", False),
    ("search", "slash", "study_search", "Search the study (lemma, exact phrase, regex)", False),
    ("find", "ctrl+f", "search", "Find in this transcript", False),
    ("search_next", "f3,greater_than_sign", "search_next", "Next match (find or study search)", False),
    ("search_prev", "shift+f3,less_than_sign", "search_prev", "Previous match", False),
    # views
    ("retrieve", "r", "retrieve", "Retrieve", False),
    ("toggle_coders", "o", "toggle_coders", "Whose codings: mine, everyone's, each coder's, consensus", False),
    ("filter_codes", "f", "filter_codes", "Show only chosen codes", False),
    ("code_info", "i", "code_info", "Code definition", False),
    ("toggle_sidebar", "f2", "toggle_sidebar", "Toggle side panel", False),
    ("focus_transcript", "escape", "focus_transcript", "Back to the transcript", False),
]
