"""Nationality words and the country or region they name: "Iraqi" -> Iraq, "Dutch" ->
Netherlands. A nationality word in a report ("Iraqi forces", "the French") points at its
country as an actor, so the pass files it under that country, keeping the word as an alias.

Regular forms (Russian, Syrian, Libyan) are also caught by their shared prefix with a country
named in the same text; this table covers the irregular ones and countries not named there.
"""

from __future__ import annotations

# country or region -> its nationality words (adjective, people, plural)
_TABLE: dict[str, tuple[str, ...]] = {
    "Afghanistan": ("Afghan", "Afghans", "Afghani", "Afghanis"),
    "Africa": ("African", "Africans"),
    "Albania": ("Albanian", "Albanians"),
    "Algeria": ("Algerian", "Algerians"),
    "Argentina": ("Argentine", "Argentinian", "Argentinians", "Argentines"),
    "Armenia": ("Armenian", "Armenians"),
    "Asia": ("Asian", "Asians"),
    "Australia": ("Australian", "Australians"),
    "Austria": ("Austrian", "Austrians"),
    "Azerbaijan": ("Azerbaijani", "Azerbaijanis", "Azeri", "Azeris"),
    "Bangladesh": ("Bangladeshi", "Bangladeshis"),
    "Belarus": ("Belarusian", "Belarusians"),
    "Belgium": ("Belgian", "Belgians"),
    "Bolivia": ("Bolivian", "Bolivians"),
    "Bosnia": ("Bosnian", "Bosnians"),
    "Brazil": ("Brazilian", "Brazilians"),
    "Britain": ("British", "Briton", "Britons"),
    "Bulgaria": ("Bulgarian", "Bulgarians"),
    "Canada": ("Canadian", "Canadians"),
    "Chile": ("Chilean", "Chileans"),
    "China": ("Chinese",),
    "Colombia": ("Colombian", "Colombians"),
    "Croatia": ("Croatian", "Croatians", "Croat", "Croats"),
    "Cuba": ("Cuban", "Cubans"),
    "Czech Republic": ("Czech", "Czechs"),
    "Denmark": ("Danish", "Dane", "Danes"),
    "Ecuador": ("Ecuadorian", "Ecuadorians"),
    "Egypt": ("Egyptian", "Egyptians"),
    "Estonia": ("Estonian", "Estonians"),
    "Ethiopia": ("Ethiopian", "Ethiopians"),
    "Europe": ("European", "Europeans"),
    "Finland": ("Finnish", "Finn", "Finns"),
    "France": ("French", "Frenchman", "Frenchmen"),
    "Georgia": ("Georgian", "Georgians"),
    "Germany": ("German", "Germans"),
    "Greece": ("Greek", "Greeks"),
    "Hungary": ("Hungarian", "Hungarians"),
    "India": ("Indian", "Indians"),
    "Indonesia": ("Indonesian", "Indonesians"),
    "Iran": ("Iranian", "Iranians", "Persian"),
    "Iraq": ("Iraqi", "Iraqis"),
    "Ireland": ("Irish", "Irishman"),
    "Israel": ("Israeli", "Israelis"),
    "Italy": ("Italian", "Italians"),
    "Japan": ("Japanese",),
    "Jordan": ("Jordanian", "Jordanians"),
    "Kazakhstan": ("Kazakh", "Kazakhs", "Kazakhstani"),
    "Kenya": ("Kenyan", "Kenyans"),
    "Kuwait": ("Kuwaiti", "Kuwaitis"),
    "Kyrgyzstan": ("Kyrgyz",),
    "Latvia": ("Latvian", "Latvians"),
    "Lebanon": ("Lebanese",),
    "Libya": ("Libyan", "Libyans"),
    "Lithuania": ("Lithuanian", "Lithuanians"),
    "Mexico": ("Mexican", "Mexicans"),
    "Moldova": ("Moldovan", "Moldovans"),
    "Morocco": ("Moroccan", "Moroccans"),
    "Myanmar": ("Burmese",),
    "Netherlands": ("Dutch", "Dutchman"),
    "New Zealand": ("New Zealander", "New Zealanders"),
    "Nigeria": ("Nigerian", "Nigerians"),
    "North Korea": ("North Korean", "North Koreans"),
    "Norway": ("Norwegian", "Norwegians"),
    "Pakistan": ("Pakistani", "Pakistanis"),
    "Palestine": ("Palestinian", "Palestinians"),
    "Peru": ("Peruvian", "Peruvians"),
    "Philippines": ("Filipino", "Filipinos", "Philippine"),
    "Poland": ("Polish", "Pole", "Poles"),
    "Portugal": ("Portuguese",),
    "Qatar": ("Qatari", "Qataris"),
    "Romania": ("Romanian", "Romanians"),
    "Russia": ("Russian", "Russians"),
    "Saudi Arabia": ("Saudi", "Saudis"),
    "Scotland": ("Scottish", "Scot", "Scots"),
    "Serbia": ("Serbian", "Serbians", "Serb", "Serbs"),
    "Slovakia": ("Slovak", "Slovaks", "Slovakian"),
    "Somalia": ("Somali", "Somalis"),
    "South Africa": ("South African", "South Africans"),
    "South Korea": ("South Korean", "South Koreans"),
    "Soviet Union": ("Soviet", "Soviets"),
    "Spain": ("Spanish", "Spaniard", "Spaniards"),
    "Sudan": ("Sudanese",),
    "Sweden": ("Swedish", "Swede", "Swedes"),
    "Switzerland": ("Swiss",),
    "Syria": ("Syrian", "Syrians"),
    "Taiwan": ("Taiwanese",),
    "Tajikistan": ("Tajik", "Tajiks"),
    "Thailand": ("Thai", "Thais"),
    "Tunisia": ("Tunisian", "Tunisians"),
    "Turkey": ("Turkish", "Turk", "Turks"),
    "Ukraine": ("Ukrainian", "Ukrainians"),
    "United Arab Emirates": ("Emirati", "Emiratis"),
    "United States": ("American", "Americans"),
    "Uzbekistan": ("Uzbek", "Uzbeks"),
    "Venezuela": ("Venezuelan", "Venezuelans"),
    "Vietnam": ("Vietnamese",),
    "Wales": ("Welsh", "Welshman"),
    "Yemen": ("Yemeni", "Yemenis"),
}

# Other names of a country, so "Iraqi" files under "Iraq" and "American" under "U.S.".
_COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "United States": ("US", "U.S", "USA", "U.S.A", "America", "United States of America"),
    "Britain": ("UK", "U.K", "United Kingdom", "Great Britain", "England"),
    "Soviet Union": ("USSR", "U.S.S.R"),
    "Netherlands": ("Holland",),
    "United Arab Emirates": ("UAE", "U.A.E"),
    "Czech Republic": ("Czechia",),
    "Myanmar": ("Burma",),
}

_BY_DEMONYM = {d.casefold(): country for country, words in _TABLE.items() for d in words}


def country_of(word: str) -> str | None:
    """The country a nationality word names, from the table: "Dutch" -> "Netherlands"."""
    return _BY_DEMONYM.get(word.strip().casefold())


_BY_NAME = {
    n.casefold().replace(".", ""): country
    for country, names in _COUNTRY_ALIASES.items()
    for n in (country, *names)
}


def same_country(name: str) -> str | None:
    """The table's name for a country written another way: "U.S." -> "United States"."""
    return _BY_NAME.get(name.strip().casefold().replace(".", ""))


def demonyms() -> list[str]:
    """Every nationality word in the table."""
    return [d for words in _TABLE.values() for d in words]
