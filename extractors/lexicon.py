"""Word classes the figure rules are written in.

Kept apart from the rules so that adding a verb of flight or a noun for an
aid item is a one-line change that every rule picks up.
"""

from __future__ import annotations

# Verbs and participles whose subject (or object) is the people displaced.
DISPLACED_CUES = {
    "fled", "flee", "flees", "fleeing", "displaced", "displace", "displaces", "displacing", "displacement",
    "uprooted", "uproot", "uprooting", "evacuated", "evacuate", "evacuating", "evacuation", "evacuations",
    "relocated", "relocate", "relocating", "relocation", "escaped", "escape", "escaping", "sheltering",
    "sheltered", "homeless", "exodus", "idps", "idp", "evacuees", "refuge", "shelter", "left", "leave", "leaving",
    "forced", "driven", "chased", "abandoned", "moved", "crossed", "arrived", "arriving", "streamed", "poured",
    "deserted", "scattered", "expelled", "deported", "ran", "run", "running", "sought", "seek", "seeking",
    "taken", "took", "taking", "packed", "trekked", "headed", "heading", "flocked", "migrated",
}
# Cues that only count with a particular complement (checked in figures.py).
DISPLACED_NEEDS_OBJECT = {"left", "leave", "leaving", "forced", "driven", "chased", "abandoned", "moved",
                          "crossed", "arrived", "arriving", "streamed", "poured", "ran", "run", "running",
                          "sought", "seek", "seeking", "taken", "took", "taking", "refuge", "shelter", "packed",
                          "trekked", "headed", "heading", "flocked", "deserted", "scattered", "migrated"}
DISPLACED_NOUNS = {"displaced", "idps", "idp", "evacuees", "homeless", "refugees", "displacement",
                   "evacuation"}
# Where displaced people stay: "3,000 were in shelters", "living in camps".
SHELTER_NOUNS = {"shelters", "camps", "tents", "shelter", "camp", "centres", "centers", "sites", "settlements"}
RETURN_CUES = {"returned", "return", "returning", "returnees", "returnee", "repatriated", "repatriation", "came",
               "come", "coming", "went", "gone", "going"}
RETURN_NEEDS_BACK = {"came", "come", "coming", "went", "gone", "going"}

KILLED_CUES = {
    "killed", "kill", "kills", "killing", "died", "die", "dies", "dying", "dead", "death", "deaths", "perished",
    "slain", "massacred", "executed", "drowned", "fatalities", "fatality", "murdered", "lives", "toll",
    "bodies", "burned", "burnt", "buried", "beheaded", "lynched", "slaughtered",
}
KILLED_NEEDS_OBJECT = {"lives", "burned", "burnt", "bodies", "buried", "toll"}
INJURED_CUES = {"wounded", "wounding", "wound", "wounds", "injured", "injuring", "injure", "injuries", "injury",
                "hurt", "maimed", "hospitalised", "hospitalized"}
STRIKE_CUES = {"hit", "struck", "targeted", "shelled", "bombed", "attacked", "pounded", "raided", "affected",
               "bombarded", "shelling", "airstrikes", "airstrike", "strikes", "strike", "bombardment",
               "bombing", "bombings", "raids", "raid", "barrel", "missiles", "rockets", "shells", "drone",
               "drones", "artillery", "sorties", "fire"}
STRIKE_WEAPONS = {"shelling", "airstrikes", "airstrike", "strikes", "strike", "bombardment", "bombing",
                  "bombings", "raids", "raid", "barrel", "bombs", "missiles", "rockets", "shells", "drone",
                  "drones", "artillery", "sorties", "mortars", "mortar", "attacks", "attack", "fire", "bomb",
                  "missile", "rocket", "shell", "fighting", "clashes"}
# Nouns that are themselves counts of strikes: "47 air strikes", "12 barrel bombs".
STRIKE_HEADS = {"airstrikes", "strikes", "raids", "bombs", "missiles", "rockets", "shells", "sorties",
                "bombings", "attacks", "drones", "mortars", "explosions"}
# Places that are counted when struck: "39 communities were hit".
SITE_HEADS = {"communities", "community", "villages", "towns", "sites", "locations", "areas",
              "neighbourhoods", "neighborhoods", "hospitals", "schools", "markets", "facilities", "settlements",
              "camps", "clinics", "mosques", "churches", "bakeries", "localities", "districts"}

PERSON_HEADS = {
    "people", "persons", "person", "civilians", "civilian", "residents", "resident", "individuals", "children",
    "child", "women", "men", "villagers", "inhabitants", "refugees", "refugee", "migrants", "idps", "families",
    "family", "households", "household", "fighters", "soldiers", "troops", "militants", "rebels", "combatants",
    "police", "policemen", "officers", "workers", "students", "pupils", "patients", "passengers", "pilgrims",
    "protesters", "demonstrators", "worshippers", "miners", "farmers", "fishermen", "babies", "infants", "minors",
    "girls", "boys", "adults", "elderly", "others", "victims", "survivors", "evacuees", "returnees",
    "asylum-seekers", "nationals", "citizens", "members", "staff", "personnel", "journalists", "doctors",
    "nurses", "medics", "volunteers", "teachers", "herders", "pastoralists", "tourists", "guards", "prisoners",
    "detainees", "inmates", "party-goers", "civilans", "peoples", "kids", "youths", "youngsters",
    "gunmen", "insurgents", "jihadists", "militiamen", "servicemen", "personel", "muslims", "christians",
    "hindus", "yazidis", "rohingya", "palestinians", "individual", "mourners", "bystanders",
    "shoppers", "commuters", "crew", "sailors", "peacekeepers", "aid", "humanitarians", "homeowners",
    "squatters", "settlers", "dead", "displaced", "wounded", "injured", "homeless", "souls", "lives",
    "employees", "labourers", "laborers", "traders", "vendors", "tenants", "occupants", "evacuee", "people's",
}
HOUSEHOLD_UNITS = {"families": "families", "family": "families", "households": "households",
                   "household": "households", "homes": "households", "houses": "households",
                   "dwellings": "households", "communities": "communities", "community": "communities"}
PERSON_UNITS = {"individuals": "individuals", "individual": "individuals", "children": "children",
                "civilians": "civilians", "residents": "residents", "persons": "people", "people": "people"}

# Things counted that are never people displaced, killed or hurt, nor strikes.
NON_FIGURE_HEADS = {
    "houses", "homes", "buildings", "tents", "trucks", "lorries", "vehicles", "cars", "packages", "parcels",
    "baskets", "kits", "meals", "blankets", "shelters", "apartments", "shops", "posts", "checkpoints",
    "livestock", "animals", "cattle", "goats", "sheep", "camels", "cows", "chickens", "boats", "planes", "jets",
    "tanks", "weapons", "projects", "organisations", "organizations", "countries", "provinces", "states",
    "municipalities", "cases", "beds", "doses", "vaccines", "tonnes", "tons", "litres", "rations", "bags",
    "bottles", "containers", "units", "structures", "roads", "bridges", "wells", "latrines", "classrooms",
    "books", "dollars", "euros", "items", "copies", "songs", "games", "matches", "goals", "points", "players",
    "teams", "reps", "sets", "steps", "calories", "votes", "seats", "lines", "stars", "times", "percent",
    "tweets", "videos", "photos", "images", "miles", "kilometres", "metres", "acres", "hectares", "crops",
    "ships", "helicopters", "aircraft", "convoys", "flights", "buses", "kms", "kg", "companies", "firms",
    "jobs", "members", "offices", "branches", "stores", "restaurants", "hotels", "rooms", "storeys", "floors",
    "parties", "candidates", "nations", "languages", "species", "trees", "samples", "tests", "patients'",
    "applications", "requests", "complaints", "charges", "counts", "arrests", "warrants", "sanctions", "bills",
    "laws", "articles", "stories", "pages", "episodes", "seasons", "days", "weeks", "months", "years",
    "hours", "minutes", "decades", "generations", "centuries", "food", "water", "medicine", "supplies",
    "aid", "assistance", "loads", "shipments", "consignments", "relief", "hygiene", "cash", "grants",
    "shelter", "cartons", "sacks", "pallets", "truckloads", "plots", "farms", "fields", "dams", "pumps",
}

STOCK_CUES = {"hosts", "hosting", "host", "hosted", "houses", "shelters"}
POPULATION_CUES = {"population", "populations", "inhabitants", "populated", "census"}
PROJECTION_CUES = {"could", "may", "might", "would", "will", "expected", "likely", "risk", "risks",
                   "threatens", "threaten", "threatened", "feared", "fear", "fears", "plan", "plans",
                   "planned", "planning", "prepare", "preparing", "prepared", "projected", "forecast",
                   "predicted", "predicts", "anticipate", "anticipated", "potentially", "possibly", "scenario",
                   "contingency", "warned", "warns", "estimate", "if", "unless", "target", "targets", "aims"}
# Modals count as projection only when they govern the cue verb (see figures.py).
MODALS = {"could", "may", "might", "would", "will", "'ll", "can", "shall", "should"}

INCREMENT_WORDS = {"another", "further", "additional", "more", "extra", "new"}

QUALIFIERS: dict[tuple[str, ...], str] = {
    ("at", "least"): "at least", ("more", "than"): "more than", ("over",): "more than",
    ("upwards", "of"): "more than", ("in", "excess", "of"): "more than", ("well", "over"): "more than",
    ("just", "over"): "more than", ("nearly",): "nearly", ("almost",): "nearly", ("close", "to"): "nearly",
    ("just", "under"): "nearly", ("about",): "about", ("around",): "about", ("approximately",): "about",
    ("roughly",): "about", ("some",): "about", ("an", "estimated"): "about", ("estimated",): "about",
    ("approx",): "about", ("as", "many", "as"): "as many as", ("up", "to"): "up to", ("at", "most"): "up to",
    ("fewer", "than"): "fewer than", ("less", "than"): "fewer than", ("under",): "fewer than",
    ("a", "total", "of"): "total", ("a", "further"): "more", ("an", "additional"): "more",
    ("another",): "more", ("over", "the", "past"): "",
}

# Words that may stand between an amount and its verb without ending the clause.
AUXILIARIES = {
    "have", "has", "had", "were", "was", "are", "is", "been", "being", "be", "will", "would", "could", "may",
    "might", "reportedly", "already", "also", "now", "still", "just", "recently", "all", "either", "newly",
    "internally", "reported", "estimated", "believed", "thought", "said", "feared", "to", "so", "far", "far,",
    "allegedly", "apparently", "officially", "confirmed", "reportedly,", "since", "then", "initially", "forcibly",
    "forcefully", "temporarily", "permanently", "pre-emptively", "preemptively", "subsequently", "eventually",
    "previously", "ever", "not", "yet", "once", "again", "remain", "remained", "remains", "remaining", "stayed",
    "stay", "become", "became", "got", "get", "left", "effectively", "mostly", "mainly", "largely", "been,",
    "tragically", "brutally", "each", "both", "in", "total", "altogether", "overall", "registered", "recorded",
    "counted", "listed", "documented", "verified", "known", "presumed", "assumed", "shot", "burned",
    "burnt", "critically", "seriously", "severely", "badly", "lightly", "slightly", "fatally", "mortally",
}
CLAUSE_BREAKS = {";", ":", "but", "while", "whereas", "although", "though", "however", "meanwhile", "—", "–",
                 "(", ")", "because", "after", "before", "when", "whom", "as", "if", "unless", "until", "so",
                 "?", "!", "."}
LOCATIVE_PREPOSITIONS = {"in", "from", "of", "around", "near", "across", "inside", "within", "throughout",
                         "outside", "at", "on", "to", "into", "towards", "toward", "along", "out", "over"}
AGGREGATE_NOUNS = {"number", "numbers", "toll", "total", "tally", "figure", "figures", "count", "estimate",
                   "estimates", "tolls", "caseload", "population"}
AGGREGATE_LINKS = {"at", "to", "reached", "reach", "reaches", "reaching", "is", "was", "of", "hit", "topped",
                   "tops", "top", "exceeded", "exceeds", "exceed", "surpassed", "surpasses", "passed", "stood",
                   "stands", "stand", "rose", "rises", "rise", "risen", "climbed", "climbs", "jumped", "jumps",
                   "increased", "increases", "grew", "grown", "soared", "now", "reportedly", "about", ":", "are",
                   "were", "number", "numbered", "numbers", "has", "have", "had", "been", "crossed", "approaching",
                   "approached", "near", "neared", "nears", "totalled", "totaled", "totals", "totalling", "put",
                   "stood,", "mounted", "mounts", "swelled", "swelling", "rising", "climbing", "edged",
                   "brings", "bringing", "brought", "raising", "raised", "raises", "pushing", "pushed"}
