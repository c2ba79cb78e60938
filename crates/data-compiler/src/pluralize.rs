//! English pluralization, ported from the `pluralize` npm package (v8) that the transformer
//! (`listBlogSettings`, index names) and codegen (`pluralName`) use. Only `plural` is needed.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};

const IRREGULAR: &[(&str, &str)] = &[
    ("I", "we"), ("me", "us"), ("he", "they"), ("she", "they"), ("them", "them"),
    ("myself", "ourselves"), ("yourself", "yourselves"), ("itself", "themselves"),
    ("herself", "themselves"), ("himself", "themselves"), ("themself", "themselves"),
    ("is", "are"), ("was", "were"), ("has", "have"), ("this", "these"), ("that", "those"),
    ("echo", "echoes"), ("dingo", "dingoes"), ("volcano", "volcanoes"), ("tornado", "tornadoes"),
    ("torpedo", "torpedoes"), ("genus", "genera"), ("viscus", "viscera"), ("stigma", "stigmata"),
    ("stoma", "stomata"), ("dogma", "dogmata"), ("lemma", "lemmata"), ("schema", "schemata"),
    ("anathema", "anathemata"), ("ox", "oxen"), ("axe", "axes"), ("die", "dice"), ("yes", "yeses"),
    ("foot", "feet"), ("eave", "eaves"), ("goose", "geese"), ("tooth", "teeth"), ("quiz", "quizzes"),
    ("human", "humans"), ("proof", "proofs"), ("carve", "carves"), ("valve", "valves"),
    ("looey", "looies"), ("thief", "thieves"), ("groove", "grooves"), ("pickaxe", "pickaxes"),
    ("passerby", "passersby"),
];

/// Plural rules in the order the package adds them; the last matching one wins.
const RULES: &[(&str, &str)] = &[
    (r"s?$", "s"),
    (r"[^\x00-\x7F]$", "$0"),
    (r"([^aeiou]ese)$", "$1"),
    (r"(ax|test)is$", "$1es"),
    (r"(alias|[^aou]us|t[lm]as|gas|ris)$", "$1es"),
    (r"(e[mn]u)s?$", "$1s"),
    (r"([^l]ias|[aeiou]las|[ejzr]as|[iu]am)$", "$1"),
    (r"(alumn|syllab|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$", "$1i"),
    (r"(alumn|alg|vertebr)(?:a|ae)$", "$1ae"),
    (r"(seraph|cherub)(?:im)?$", "$1im"),
    (r"(her|at|gr)o$", "$1oes"),
    (r"(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|automat|quor)(?:a|um)$", "$1a"),
    (r"(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)(?:a|on)$", "$1a"),
    (r"sis$", "ses"),
    (r"(?:(kni|wi|li)fe|(ar|l|ea|eo|oa|hoo)f)$", "$1$2ves"),
    (r"([^aeiouy]|qu)y$", "$1ies"),
    (r"([^ch][ieo][ln])ey$", "$1ies"),
    (r"(x|ch|ss|sh|zz)$", "$1es"),
    (r"(matr|cod|mur|sil|vert|ind|append)(?:ix|ex)$", "$1ices"),
    (r"\b((?:tit)?m|l)(?:ice|ouse)$", "$1ice"),
    (r"(pe)(?:rson|ople)$", "$1ople"),
    (r"(child)(?:ren)?$", "$1ren"),
    (r"eaux$", "$0"),
    (r"m[ae]n$", "men"),
    (r"^thou$", "you"),
    // Uncountable patterns are added last, so they take precedence.
    (r"pok[eé]mon$", "$0"),
    (r"[^aeiou]ese$", "$0"),
    (r"deer$", "$0"),
    (r"fish$", "$0"),
    (r"measles$", "$0"),
    (r"o[iu]s$", "$0"),
    (r"pox$", "$0"),
    (r"sheep$", "$0"),
];

const UNCOUNTABLE: &[&str] = &[
    "adulthood", "advice", "agenda", "aid", "aircraft", "alcohol", "ammo", "analytics", "anime",
    "athletics", "audio", "bison", "blood", "bream", "buffalo", "butter", "carp", "cash", "chassis",
    "chess", "clothing", "cod", "commerce", "cooperation", "corps", "debris", "diabetes", "digestion",
    "elk", "energy", "equipment", "excretion", "expertise", "firmware", "flounder", "fun", "gallows",
    "garbage", "graffiti", "hardware", "headquarters", "health", "herpes", "highjinks", "homework",
    "housework", "information", "jeans", "justice", "kudos", "labour", "literature", "machinery",
    "mackerel", "mail", "media", "mews", "moose", "music", "mud", "manga", "news", "only", "personnel",
    "pike", "plankton", "pliers", "police", "pollution", "premises", "rain", "research", "rice",
    "salmon", "scissors", "series", "sewage", "shambles", "shrimp", "software", "species", "staff",
    "swine", "tennis", "traffic", "transportation", "trout", "tuna", "wealth", "welfare", "whiting",
    "wildebeest", "wildlife", "you",
];

struct Tables {
    singles: HashMap<String, String>,
    plurals: HashMap<String, String>,
    rules: Vec<(Regex, &'static str)>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut singles = HashMap::new();
    let mut plurals = HashMap::new();
    for (single, plural) in IRREGULAR {
        singles.insert(single.to_lowercase(), plural.to_lowercase());
        plurals.insert(plural.to_lowercase(), single.to_lowercase());
    }
    let rules = RULES
        .iter()
        .map(|(pattern, replacement)| (Regex::new(&format!("(?i){pattern}")).expect("valid rule"), *replacement))
        .collect();
    Tables { singles, plurals, rules }
});

/// `pluralize(word)`.
pub fn plural(word: &str) -> String {
    let tables = &*TABLES;
    let token = word.to_lowercase();
    if tables.plurals.contains_key(&token) {
        return restore_case(word, &token);
    }
    if let Some(plural) = tables.singles.get(&token) {
        return restore_case(word, plural);
    }
    if token.is_empty() || UNCOUNTABLE.contains(&token.as_str()) {
        return word.to_string();
    }
    for (regex, replacement) in tables.rules.iter().rev() {
        if let Some(caps) = regex.captures(word) {
            let m = caps.get(0).expect("whole match");
            let result = interpolate(replacement, &caps);
            let restored = if m.as_str().is_empty() {
                // The package restores the case of the character before an empty match.
                let prev: String = word[..m.start()].chars().last().map(String::from).unwrap_or_default();
                restore_case(&prev, &result)
            } else {
                restore_case(m.as_str(), &result)
            };
            return format!("{}{}{}", &word[..m.start()], restored, &word[m.end()..]);
        }
    }
    word.to_string()
}

fn interpolate(replacement: &str, caps: &Captures<'_>) -> String {
    let mut out = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            let d = chars.next().and_then(|d| d.to_digit(10)).unwrap_or(0) as usize;
            out.push_str(caps.get(d).map(|m| m.as_str()).unwrap_or(""));
        } else {
            out.push(c);
        }
    }
    out
}

fn restore_case(word: &str, token: &str) -> String {
    if word == token {
        return token.to_string();
    }
    if word == word.to_lowercase() {
        return token.to_lowercase();
    }
    if word == word.to_uppercase() {
        return token.to_uppercase();
    }
    let mut chars = word.chars();
    if chars.next().is_some_and(|c| c.is_uppercase()) {
        let mut t = token.chars();
        return match t.next() {
            Some(first) => first.to_uppercase().collect::<String>() + &t.as_str().to_lowercase(),
            None => String::new(),
        };
    }
    token.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn matches_the_npm_package() {
        for (single, expected) in [
            ("Todo", "Todos"),
            ("BlogSettings", "BlogSettings"),
            ("Post", "Posts"),
            ("Category", "Categories"),
            ("Person", "People"),
            ("Address", "Addresses"),
            ("Status", "Statuses"),
            ("Child", "Children"),
            ("Employee", "Employees"),
            ("Photo", "Photos"),
            ("Datum", "Data"),
            ("Fish", "Fish"),
            ("Equipment", "Equipment"),
        ] {
            assert_eq!(plural(single), expected, "{single}");
        }
    }
}
