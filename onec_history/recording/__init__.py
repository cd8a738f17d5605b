"""``onec-history record``: save a base's answers, with personal data replaced, for tests and replay.

A recording is a directory:

- ``metadata.xml`` — the base's ``$metadata`` as it came;
- ``exchanges.jsonl`` — one line per request: ``method``, ``target`` (path and query string
  relative to the service root, exactly as sent), ``status``, ``content_type``, ``body`` (text) and
  ``request_body``;
- ``manifest.json`` — what was recorded, when, from which family, which client and which commands
  replay (never the host, the user or the key of the replacements).

What is replaced (:class:`Anonymizer`), in every answer and in every filter of a request:

- people's names: users, employees, contact persons, natural persons (the Description of those
  catalogues, and name parts such as Фамилия), and the counterparties that are persons — an
  individual entrepreneur (ИП) or a natural person, told by the legal form attribute
  (ЮрФизЛицо / ЮридическоеФизическоеЛицо), a 12-digit ИНН or an «ИП» in front of the name;
- legal entities' names too, unless ``keep_company_names`` (counterparty folders keep theirs);
- ИНН, КПП, ОГРН and other numbers of a person or an organisation; phone numbers and e-mail
  addresses wherever they occur;
- free text: event subjects, bodies and comments, contact information, any composite attribute
  holding a string (an unregistered caller typed in), and every other text field of the profile.

A fake keeps the shape of the original: the same length, letters stay letters of the same
alphabet and case (vowels stay vowels), digits stay digits, spaces and punctuation stay, a legal
form in front («ООО», «ИП», «Индивидуальный предприниматель») is kept, and an ИНН keeps valid
check digits. Each fake is a keyed HMAC of the whole original, so the same value always gets the
same fake within a recording (and across recordings made with the same key), references and
filters still agree, and a prefix of a name maps to the prefix of its fake. The key is never
stored.
"""

from __future__ import annotations

from .anonymizer import Anonymizer
from .recorder import Recorded, Recorder
from .rules import DIGIT_FIELDS as DIGIT_FIELDS
from .rules import NAME_FIELDS as NAME_FIELDS
from .rules import PEOPLE_SETS as PEOPLE_SETS
from .rules import ROOT_PLACEHOLDER
from .rules import TEXT_FIELDS as TEXT_FIELDS
from .rules import target_set as target_set
from .store import load_manifest, load_recording, save_recording

__all__ = ["ROOT_PLACEHOLDER", "Anonymizer", "Recorded", "Recorder", "load_manifest", "load_recording",
           "save_recording"]
