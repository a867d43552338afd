"""A referral document (ZorgDomein style) read as an aanmelding: plain values in, plain values out.

`read_document(bundle)` checks the document's structure and maps it to the JSON shape that
igp.families.services.aanmelden takes (the same as POST /api/v1/families), and says what it took,
what it ignored, which of the sender's identifiers it keeps and where in the Bundle each field of
the aanmelding came from (so that a refusal of the registration names the FHIR element). Bad
structure raises `DocumentProblems` {expression: Dutch message}. No Flask, no database.

What is read (README, "FHIR" -> "Import"):
* Bundle.type `document`, Bundle.entry[0] a Composition; identifiers of the Bundle and the
  Composition are kept;
* one ServiceRequest with code SNOMED 3457005: authoredOn (the moment of the aanmelding),
  performerType (the poli, code system .../CodeSystem/poli), reasonCode (vulnerabilities, medical
  reasons, high risk in the IGP's code systems), note (the reason), requester (the referrer),
  subject (the index person), identifier (kept);
* the referrer: PractitionerRole (code: the referrer type), Practitioner (name, telecom),
  Organization (name); their identifiers (AGB, UZI, BIG, URA) are kept;
* Patients: the subject of an Observation with SNOMED 161714006 or LOINC 11778-8 (estimated date of
  delivery, as nl-core-Pregnancy.EstimatedDateOfDelivery) is the
  pregnant mother (phase prenatal, the due date from that Observation); a Patient of 16 years or
  older is a parent; any other Patient is a child (postnatal: the subject and children born within
  two days of it are index children, the others siblings; prenatal: every child is a sibling);
* RelatedPerson (nl-core-ContactPerson): a parent, relationship from the v3 RoleCode list;
* name, birthDate, identifier (BSN; other identifiers are kept), telecom (phone), address.
Everything else is listed as ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
PATIENT_REFERRAL_CODE = "3457005"
DUE_DATE_CODES = ((LOINC, "11778-8"), (SNOMED, "161714006"))   # estimated date of delivery (zib: 161714006)
PARENT_AGE_YEARS = 16
TWIN_DAYS = 2
# v3 RoleCode (nl-core-ContactPerson.relationship) -> the aanmelding's relationship_type
ROLE_CODES = {"MTH": "moeder", "NMTH": "moeder", "GESTM": "moeder", "FTH": "vader", "NFTH": "vader",
              "STPMTH": "partner", "STPFTH": "partner", "SPS": "partner", "DOMPART": "partner",
              "SIGOTHR": "partner", "HUSB": "partner", "WIFE": "partner", "GUARD": "voogd"}
PERSON_FIELDS = {"name": "name", "birth_date": "birthDate", "bsn": "identifier", "phone": "telecom",
                 "address": "address.line", "postcode": "address.postalCode", "city": "address.city",
                 "relationship_type": "relationship"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ALWAYS_KEPT = ("resourceType", "id", "meta", "text")


class DocumentProblems(Exception):
    """The Bundle is not a readable referral document: {expression: Dutch message}."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass
class Entry:
    index: int
    resource: dict

    @property
    def type(self) -> str:
        return self.resource.get("resourceType", "")

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}].resource"


@dataclass
class CodeSystems:
    """The local code systems the reader recognises (the same URLs the export writes)."""

    poli: str
    vulnerabilities: str
    medical_reasons: str
    target_group: str
    referrer_types: str


@dataclass
class Document:
    data: dict                                          # the aanmelding (POST /api/v1/families shape)
    taken: list[tuple[str, str]] = field(default_factory=list)    # (expression, what was taken)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (expression, why not)
    identifiers: list[dict] = field(default_factory=list)         # [{"resource", "system", "value"}]
    locations: dict[str, str] = field(default_factory=dict)       # aanmelding field -> expression
    types: dict[str, str] = field(default_factory=dict)           # expression prefix -> resource type

    def expression(self, key: str) -> str:
        """The FHIR element an aanmelding field came from (`parents[0].bsn` -> its identifier)."""
        if key in self.locations:
            return self.locations[key]
        match = re.match(r"^(parents|children)\[(\d+)\](?:\.(\w+))?", key)
        if match and f"{match[1]}[{match[2]}]" in self.locations:
            base = self.locations[f"{match[1]}[{match[2]}]"]
            return f"{base}.{PERSON_FIELDS.get(match[3], match[3])}" if match[3] else base
        head = key.split(".")[0].split("[")[0]
        return self.locations.get(head, "Bundle")

    def short(self, expression: str) -> str | None:
        """`Bundle.entry[2].resource.birthDate` -> `Patient.birthDate`."""
        match = re.match(r"^(Bundle\.entry\[\d+\]\.resource)(\..+)?$", expression)
        if not match or match[1] not in self.types:
            return None
        return self.types[match[1]] + (match[2] or "")


# ------------------------------------------------------------------ structure

def entries(bundle) -> list[Entry]:
    """The Bundle's entries after the structural checks of a document (raise DocumentProblems)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise DocumentProblems({"Bundle": "Stuur een Bundle (resourceType 'Bundle') van het type 'document'."})
    problems: dict[str, str] = {}
    if bundle.get("type") != "document":
        problems["Bundle.type"] = (f"Een aanmelding is een FHIR-document: Bundle.type moet 'document' zijn, "
                                   f"niet '{bundle.get('type')}'.")
    raw = bundle.get("entry")
    if not isinstance(raw, list) or not raw:
        problems["Bundle.entry"] = "Het document bevat geen entries."
        raise DocumentProblems(problems)
    found = []
    for i, item in enumerate(raw):
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            problems[f"Bundle.entry[{i}].resource"] = "Deze entry bevat geen resource met een resourceType."
            continue
        found.append(Entry(i, resource))
    if found and found[0].index == 0 and found[0].type != "Composition":
        problems["Bundle.entry[0].resource"] = (f"De eerste entry van een document moet een Composition zijn, "
                                                f"niet een {found[0].type}.")
    if problems:
        raise DocumentProblems(problems)
    return found


class Resolver:
    """References inside the Bundle: by fullUrl (urn:uuid:...) or as Type/id."""

    def __init__(self, bundle: dict, found: list[Entry]):
        self.by_key: dict[str, Entry] = {}
        raw = bundle["entry"]
        for entry in found:
            full_url = raw[entry.index].get("fullUrl")
            if isinstance(full_url, str) and full_url:
                self.by_key[full_url] = entry
                tail = "/".join(full_url.rstrip("/").split("/")[-2:])
                self.by_key.setdefault(tail, entry)
            if isinstance(entry.resource.get("id"), str):
                self.by_key.setdefault(f"{entry.type}/{entry.resource['id']}", entry)

    def get(self, ref, *types: str) -> Entry | None:
        target = ref.get("reference") if isinstance(ref, dict) else None
        entry = self.by_key.get(target) if isinstance(target, str) else None
        return entry if entry is not None and (not types or entry.type in types) else None


# ------------------------------------------------------------------ small readers

def items(value) -> list:
    """A list element as a list (anything else, as hostile input may send: empty)."""
    return value if isinstance(value, list) else []


def codings(concept) -> list[dict]:
    items = concept.get("coding") if isinstance(concept, dict) else None
    return [c for c in (items if isinstance(items, list) else []) if isinstance(c, dict)]


def has_code(concept, system: str, code: str) -> bool:
    return any(c.get("system") == system and c.get("code") == code for c in codings(concept))


def human_name(resource) -> str | None:
    names = [n for n in items(resource.get("name")) if isinstance(n, dict)]
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if name is None:
        return None
    if isinstance(name.get("text"), str) and name["text"].strip():
        return name["text"].strip()
    parts = [*items(name.get("given")), name.get("family")]
    text = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    return text or None


def first_telecom(resource, system: str) -> str | None:
    return next((t["value"] for t in items(resource.get("telecom"))
                 if isinstance(t, dict) and t.get("system") == system and isinstance(t.get("value"), str)
                 and t["value"]), None)


def birth_date(resource) -> date | None:
    value = resource.get("birthDate")
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def identifiers_of(entry: Entry, kept: list[dict], *, bsn_allowed: bool) -> str | None:
    """The BSN of a person (when the resource may carry one); every other identifier is kept."""
    bsn = None
    for ident in items(entry.resource.get("identifier")):
        if not isinstance(ident, dict) or not isinstance(ident.get("value"), str) or not ident["value"]:
            continue
        if ident.get("system") == BSN_SYSTEM and bsn_allowed:
            bsn = bsn or str(ident["value"])
        elif isinstance(ident.get("system"), str) and ident["system"]:
            kept.append({"resource": entry.type, "system": str(ident["system"]), "value": str(ident["value"])})
    return bsn


def ignore_rest(entry: Entry, used: set[str], doc: Document) -> None:
    """Every element of a read resource that the aanmelding has no place for."""
    for key in entry.resource:
        if key not in used and key not in ALWAYS_KEPT:
            doc.ignored.append((f"{entry.path}.{key}", f"{entry.type}.{key} is niet overgenomen."))


# ------------------------------------------------------------------ the document

def read_document(bundle, systems: CodeSystems, today: date) -> Document:
    """The whole document as an aanmelding (raise DocumentProblems naming every bad element)."""
    found = entries(bundle)
    resolver = Resolver(bundle, found)
    doc = Document(data={}, types={e.path: e.type for e in found})
    problems: dict[str, str] = {}
    request = _the_request(found, problems)
    if request is None:
        raise DocumentProblems(problems)
    read = {found[0].index, request.index}
    _read_bundle(bundle, found[0], doc, problems)
    _read_request(request, doc, systems, problems)
    read |= _read_referrer(request, resolver, doc, systems, problems)
    mother, due = _due_date(found, resolver, doc, problems)
    read |= {due.index} if due else set()
    on = _referral_day(request) or today
    read |= _read_people(found, request, resolver, mother, on, doc, problems)
    for entry in found:
        if entry.index not in read:
            doc.ignored.append((entry.path, _ignored_resource(entry)))
    if problems:
        raise DocumentProblems(problems)
    return doc


def _the_request(found: list[Entry], problems: dict[str, str]) -> Entry | None:
    requests = [e for e in found if e.type == "ServiceRequest"]
    if not requests:
        problems["Bundle.entry"] = "Het document bevat geen ServiceRequest (de verwijzing)."
        return None
    for extra in requests[1:]:
        problems[extra.path] = "Eén verwijzing (ServiceRequest) per aanmelding: stuur elke verwijzing apart."
    request = requests[0]
    if not has_code(request.resource.get("code"), SNOMED, PATIENT_REFERRAL_CODE):
        problems[f"{request.path}.code"] = ("De verwijzing moet de code SNOMED 3457005 'Patient referral' "
                                            "hebben (ServiceRequest.code).")
    if request.resource.get("status") != "active":
        problems[f"{request.path}.status"] = (f"Alleen een lopende verwijzing (status 'active') kan worden "
                                              f"aangemeld, niet '{request.resource.get('status')}'.")
    return request


def _read_bundle(bundle: dict, composition: Entry, doc: Document, problems: dict[str, str]) -> None:
    ident = bundle.get("identifier")
    if isinstance(ident, dict) and ident.get("system") and ident.get("value"):
        doc.identifiers.append({"resource": "Bundle", "system": str(ident["system"]), "value": str(ident["value"])})
    if composition.resource.get("status") not in ("preliminary", "final", "amended"):
        problems[f"{composition.path}.status"] = ("Composition.status moet 'final', 'amended' of 'preliminary' "
                                                  "zijn.")
    identifiers_of(Entry(composition.index, {**composition.resource,
                                             "identifier": _as_list(composition.resource.get("identifier"))}),
                   doc.identifiers, bsn_allowed=False)
    ignore_rest(composition, {"identifier", "status", "type", "subject", "date", "author", "title", "custodian",
                              "confidentiality", "attester", "encounter", "relatesTo"}, doc)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if isinstance(value, dict) else []


def _read_request(request: Entry, doc: Document, systems: CodeSystems, problems: dict[str, str]) -> None:
    res, path, data = request.resource, request.path, doc.data
    if res.get("authoredOn") is not None:
        data["referred_at"] = res["authoredOn"]
        doc.locations["referred_at"] = f"{path}.authoredOn"
    poli = next((c["code"] for c in codings(res.get("performerType"))
                 if c.get("system") == systems.poli and isinstance(c.get("code"), str)), None)
    doc.locations["poli"] = f"{path}.performerType"
    if poli:
        data["poli"] = poli
    else:
        problems[f"{path}.performerType"] = f"Geef de poli in ServiceRequest.performerType (een code uit {systems.poli})."
    _read_reasons(request, doc, systems)
    notes = [n["text"] for n in items(res.get("note")) if isinstance(n, dict) and isinstance(n.get("text"), str)]
    if notes:
        data["reason"] = "\n".join(notes)
        doc.locations["reason"] = f"{path}.note"
    identifiers_of(request, doc.identifiers, bsn_allowed=False)
    doc.taken.append((path, "ServiceRequest: moment, poli, redenen (doelgroep), toelichting, identificatie"))
    ignore_rest(request, {"code", "status", "intent", "authoredOn", "performerType", "reasonCode", "note",
                          "requester", "subject", "identifier"}, doc)


def _read_reasons(request: Entry, doc: Document, systems: CodeSystems) -> None:
    data, path = doc.data, request.path
    targets = {systems.vulnerabilities: "vulnerabilities", systems.medical_reasons: "medical_reasons"}
    for i, concept in enumerate(items(request.resource.get("reasonCode"))):
        used = False
        for coding in codings(concept):
            system = coding.get("system")
            kind = targets.get(system) if isinstance(system, str) else None
            if kind and isinstance(coding.get("code"), str):
                data.setdefault(kind, []).append(coding["code"])
                doc.locations.setdefault(kind, f"{path}.reasonCode[{i}]")
                used = True
            elif coding.get("system") == systems.target_group and coding.get("code") == "hoog_risico":
                data["high_risk"] = used = True
        if not used:
            label = concept.get("text") if isinstance(concept, dict) else None
            label = label if isinstance(label, str) and label else "zonder IGP-code"
            doc.ignored.append((f"{path}.reasonCode[{i}]", f"Reden '{label}' heeft geen code uit de codelijsten "
                                                           "van de IGP en is niet overgenomen."))


def _read_referrer(request: Entry, resolver: Resolver, doc: Document, systems: CodeSystems,
                   problems: dict[str, str]) -> set[int]:
    """The referrer (requester): type, name, organisation, contact; their identifiers kept."""
    ref = request.resource.get("requester")
    referrer: dict = {}
    doc.data["referrer"] = referrer
    doc.locations["referrer"] = f"{request.path}.requester"
    first = resolver.get(ref, "PractitionerRole", "Practitioner", "Organization")
    if ref is not None and first is None:
        problems[f"{request.path}.requester"] = "De verwijzer (requester) staat niet als resource in het document."
        return set()
    role = first if first and first.type == "PractitionerRole" else None
    practitioner = first if first and first.type == "Practitioner" else \
        resolver.get(role.resource.get("practitioner"), "Practitioner") if role else None
    organisation = first if first and first.type == "Organization" else \
        resolver.get(role.resource.get("organization"), "Organization") if role else None
    kind = next((c["code"] for concept in (items(role.resource.get("code")) if role else [])
                 for c in codings(concept) if c.get("system") == systems.referrer_types
                 and isinstance(c.get("code"), str)), None)
    referrer["type"] = kind or "anders"
    if not kind:
        doc.taken.append((f"{request.path}.requester", "Soort verwijzer niet als code van de IGP meegegeven: "
                                                       "vastgelegd als 'anders'."))
    if practitioner and human_name(practitioner.resource):
        referrer["name"] = human_name(practitioner.resource)
    if organisation and isinstance(organisation.resource.get("name"), str):
        referrer["organisation"] = organisation.resource["name"]
    contact = next((first_telecom(e.resource, system) for e in (role, practitioner, organisation) if e
                    for system in ("phone", "email") if first_telecom(e.resource, system)), None)
    if contact:
        referrer["contact"] = contact
    read = set()
    for entry, used in ((role, {"code", "practitioner", "organization", "telecom", "identifier"}),
                        (practitioner, {"name", "telecom", "identifier"}),
                        (organisation, {"name", "telecom", "identifier"})):
        if entry is not None:
            identifiers_of(entry, doc.identifiers, bsn_allowed=False)
            ignore_rest(entry, used, doc)
            doc.taken.append((entry.path, f"{entry.type}: de verwijzer (naam, organisatie, contact, identificatie)"))
            read.add(entry.index)
    return read


def _due_date(found: list[Entry], resolver: Resolver, doc: Document,
              problems: dict[str, str]) -> tuple[Entry | None, Entry | None]:
    """The estimated date of delivery (LOINC 11778-8) and the pregnant mother it is about."""
    due = next((e for e in found if e.type == "Observation"
                and any(has_code(e.resource.get("code"), system, code) for system, code in DUE_DATE_CODES)), None)
    if due is None:
        return None, None
    mother = resolver.get(due.resource.get("subject"), "Patient")
    if mother is None:
        problems[f"{due.path}.subject"] = "De uitgerekende datum hoort bij de zwangere moeder: verwijs naar haar Patient."
    value = due.resource.get("valueDateTime")
    if not isinstance(value, str):
        problems[f"{due.path}.valueDateTime"] = "Geef de uitgerekende datum in Observation.valueDateTime."
    else:
        doc.data["expected_due_date"] = value[:10]
    doc.locations["expected_due_date"] = f"{due.path}.valueDateTime"
    doc.taken.append((due.path, "Observation: de uitgerekende datum"))
    ignore_rest(due, {"code", "status", "subject", "valueDateTime", "effectiveDateTime", "category"}, doc)
    return mother, due


def _referral_day(request: Entry) -> date | None:
    value = request.resource.get("authoredOn")
    if isinstance(value, str) and DATE_RE.match(value[:10]):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _ignored_resource(entry: Entry) -> str:
    if entry.type == "Consent":
        return ("Toestemming wordt in de IGP met het gezin zelf vastgelegd; deze Consent is niet overgenomen.")
    return f"{entry.type} is niet overgenomen: een aanmelding neemt alleen de verwijzing, de personen en de verwijzer."


def _person(entry: Entry, doc: Document) -> dict:
    """The fields of a parent or child that the aanmelding has, from a Patient or RelatedPerson."""
    res = entry.resource
    person: dict = {}
    if human_name(res):
        person["name"] = human_name(res)
    if res.get("birthDate") is not None:
        person["birth_date"] = res["birthDate"]
    bsn = identifiers_of(entry, doc.identifiers, bsn_allowed=True)
    if bsn:
        person["bsn"] = bsn
    phone = first_telecom(res, "phone")
    if phone:
        person["phone"] = phone
    address = next((a for a in items(res.get("address")) if isinstance(a, dict)), None)
    if address:
        lines = [line for line in items(address.get("line")) if isinstance(line, str)]
        if lines:
            person["address"] = ", ".join(lines)
        for key, element in (("postcode", "postalCode"), ("city", "city")):
            if isinstance(address.get(element), str):
                person[key] = address[element]
    return person


def _is_parent(entry: Entry, mother: Entry | None, on: date) -> bool:
    if entry.type == "RelatedPerson" or (mother is not None and entry.index == mother.index):
        return True
    born = birth_date(entry.resource)
    return born is not None and years_between(born, on) >= PARENT_AGE_YEARS


def _relationship(entry: Entry, mother: Entry | None) -> str | None:
    if mother is not None and entry.index == mother.index:
        return "moeder"
    for concept in items(entry.resource.get("relationship")):
        for coding in codings(concept):
            if isinstance(coding.get("code"), str) and coding["code"] in ROLE_CODES:
                return ROLE_CODES[coding["code"]]
    return None


def _read_people(found: list[Entry], request: Entry, resolver: Resolver, mother: Entry | None, on: date,
                 doc: Document, problems: dict[str, str]) -> set[int]:
    """Parents (the pregnant mother first) and children; the phase follows from the due date."""
    subject = resolver.get(request.resource.get("subject"), "Patient")
    if subject is None:
        problems[f"{request.path}.subject"] = ("Het onderwerp van de verwijzing (subject) moet een Patient in het "
                                               "document zijn.")
    people = [e for e in found if e.type in ("Patient", "RelatedPerson")]
    parents = sorted((e for e in people if _is_parent(e, mother, on)),
                     key=lambda e: (mother is None or e.index != mother.index, e.index))
    children = [e for e in people if e not in parents]
    doc.data["phase"] = "prenatal" if mother is not None else "postnatal"
    doc.data["parents"] = []
    for entry in _without_repeats(parents, doc):
        person = _person(entry, doc)
        relationship = _relationship(entry, mother)
        if relationship:
            person["relationship_type"] = relationship
        doc.locations[f"parents[{len(doc.data['parents'])}]"] = entry.path
        doc.data["parents"].append(person)
        doc.taken.append((entry.path, f"{entry.type}: ouder of verzorger ({', '.join(_labels(person))})"))
        ignore_rest(entry, {"name", "birthDate", "identifier", "telecom", "address", "relationship", "patient"}, doc)
    doc.locations["parents"] = "Bundle.entry"
    _read_children(children, subject, mother, doc)
    return {e.index for e in people}


def _read_children(children: list[Entry], subject: Entry | None, mother: Entry | None, doc: Document) -> None:
    index_birth = birth_date(subject.resource) if subject is not None and subject in children else None
    doc.data["children"] = []
    for entry in children:
        person = {k: v for k, v in _person(entry, doc).items() if k in ("name", "birth_date")}
        born = birth_date(entry.resource)
        if mother is not None:
            person["sibling"] = True    # before the birth the unborn child is the index child
        elif index_birth is not None:
            person["sibling"] = born is None or abs((born - index_birth).days) > TWIN_DAYS
        doc.locations[f"children[{len(doc.data['children'])}]"] = entry.path
        doc.data["children"].append(person)
        role = "broer of zus" if person.get("sibling") else "kind"
        doc.taken.append((entry.path, f"Patient: {role} ({', '.join(_labels(person))})"))
        if any(i.get("system") == BSN_SYSTEM for i in items(entry.resource.get("identifier")) if isinstance(i, dict)):
            doc.ignored.append((f"{entry.path}.identifier", "Het BSN van een kind wordt bij de aanmelding niet "
                                                             "vastgelegd."))
        ignore_rest(entry, {"name", "birthDate", "identifier"}, doc)
    doc.locations["children"] = "Bundle.entry"


def _without_repeats(parents: list[Entry], doc: Document) -> list[Entry]:
    """A RelatedPerson for the pregnant mother beside her Patient is the same person (same BSN or name)."""
    kept: list[Entry] = []
    seen: set[str] = set()
    for entry in parents:
        person = _person(entry, Document(data={}))
        keys = {k for k in (person.get("bsn"), (person.get("name") or "").casefold()) if k}
        if keys & seen:
            doc.ignored.append((entry.path, f"{entry.type} is dezelfde persoon als een eerdere ouder en is niet "
                                            "nog eens overgenomen."))
            continue
        seen |= keys
        kept.append(entry)
    return kept


LABELS = {"name": "naam", "birth_date": "geboortedatum", "bsn": "BSN", "phone": "telefoon", "address": "adres",
          "postcode": "postcode", "city": "woonplaats", "relationship_type": "relatie", "sibling": "broer of zus"}


def _labels(person: dict) -> list[str]:
    return [LABELS[k] for k in person if k in LABELS and k != "sibling"] or ["geen gegevens"]
