"""What a job's places say beyond the editor's `Locations`: the street address and the region.

Google for Jobs asks for the most complete address it can get. The region of a
French place follows from its postal code (the département), so editors need
not write it; the street address comes from the optional `Street_address`
field, one per city in the order of `Locations`.
"""

from __future__ import annotations

import dataclasses

# Département (first two digits of the postal code; three overseas) → region, since 2016.
_FR_REGIONS = {
    "Auvergne-Rhône-Alpes": "01 03 07 15 26 38 42 43 63 69 73 74",
    "Bourgogne-Franche-Comté": "21 25 39 58 70 71 89 90",
    "Bretagne": "22 29 35 56",
    "Centre-Val de Loire": "18 28 36 37 41 45",
    "Corse": "20",
    "Grand Est": "08 10 51 52 54 55 57 67 68 88",
    "Hauts-de-France": "02 59 60 62 80",
    "Île-de-France": "75 77 78 91 92 93 94 95",
    "Normandie": "14 27 50 61 76",
    "Nouvelle-Aquitaine": "16 17 19 23 24 33 40 47 64 79 86 87",
    "Occitanie": "09 11 12 30 31 32 34 46 48 65 66 81 82",
    "Pays de la Loire": "44 49 53 72 85",
    "Provence-Alpes-Côte d'Azur": "04 05 06 13 83 84",
    "Guadeloupe": "971", "Martinique": "972", "Guyane": "973", "La Réunion": "974", "Mayotte": "976",
}
FR_REGIONS = {code: region for region, codes in _FR_REGIONS.items() for code in codes.split()}


def french_region(postal_code: str | None) -> str | None:
    """'69002' → 'Auvergne-Rhône-Alpes'; None when the code is not a French one we know."""
    code = (postal_code or "").replace(" ", "")
    if len(code) != 5 or not code.isdigit():
        return None
    return FR_REGIONS.get(code[:3]) or FR_REGIONS.get(code[:2])


def complete(locations: list, streets: list[str]) -> tuple[list, str | None]:
    """The locations with their street address and (in France) region; a problem sentence or None.

    `streets` go to the places that have a city, in order; more streets than
    cities is the editor's mistake, reported rather than guessed.
    """
    cities = [p for p in locations if p.city]
    problem = None
    if len(streets) > len(cities):
        problem = (f"has {len(streets)} street addresses for {len(cities)} cit{'y' if len(cities) == 1 else 'ies'} "
                   "in Locations; give one per city, in the same order, separated by ';'")
    street_of = dict(zip(map(id, cities), streets))
    result = []
    for place in locations:
        changes = {}
        if id(place) in street_of:
            changes["street_address"] = street_of[id(place)]
        if not place.region and place.country == "FR":
            region = french_region(place.postal_code)
            if region:
                changes["region"] = region
        result.append(dataclasses.replace(place, **changes) if changes else place)
    return result, problem
