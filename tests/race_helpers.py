"""The study both re-import race suites start from: a two-code codebook and a transcript whose
new version inserts a paragraph near its start, so every offset after it moves
(tests/test_reimport_races.py, tests/test_write_serialised.py)."""

CODEBOOK = """\
study:
  name: Races
  arms: [improving, lagging]
  interviewer_speakers: [Interviewer]
codes:
  - key: leadership
    name: Leadership
    hotkey: "1"
  - key: housing
    name: Housing
    hotkey: "2"
"""
FRONT = "---\npair: Leeds\nneighbourhood: Ashcliffe\narm: improving\nrole: resident\n---\n"
OLD = ("Interviewer: How was the estate back then?\n\n"
       "Jean: It was alright in the eighties, to be honest. Everyone knew everyone.\n\n"
       "Interviewer: And now?\n\n"
       "Jean: The tenants' group runs everything now. We meet on Tuesdays.\n")
INSERTED = "Interviewer: (The recording resumed after a break.)\n\n"
NEW = OLD.replace("Jean: It was", INSERTED + "Jean: It was", 1)
