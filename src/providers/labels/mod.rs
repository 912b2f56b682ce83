//! Labels at the provider: Gmail's labels (`labels.*`, applied with `messages.modify`) and
//! Outlook's master categories (`/me/outlook/masterCategories`, applied by name in a
//! message's `categories`). One palette of colours both can show.

pub mod gmail;
pub mod graph;

/// A label as the provider lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteLabel {
    pub provider_id: String,
    pub name: String,
    pub color: Option<String>,
    /// `user` or `system`.
    pub kind: String,
}

/// A colour both providers can show: Gmail's background (`#rrggbb`, from Gmail's own
/// palette; any other value is refused there), the text colour Gmail wants with it, and
/// Outlook's preset of the same hue.
pub struct Colour {
    pub hex: &'static str,
    pub gmail_text: &'static str,
    pub graph_preset: &'static str,
}

const fn colour(hex: &'static str, gmail_text: &'static str, graph_preset: &'static str) -> Colour {
    Colour {
        hex,
        gmail_text,
        graph_preset,
    }
}

/// The colours a label may be given here (API: `color`).
pub const PALETTE: [Colour; 13] = [
    colour("#fb4c2f", "#ffffff", "preset0"),  // red
    colour("#ffad47", "#000000", "preset1"),  // orange
    colour("#a46a21", "#ffffff", "preset2"),  // brown
    colour("#fad165", "#000000", "preset3"),  // yellow
    colour("#16a766", "#ffffff", "preset4"),  // green
    colour("#2a9c68", "#ffffff", "preset5"),  // teal
    colour("#aa8831", "#ffffff", "preset6"),  // olive
    colour("#4a86e8", "#ffffff", "preset7"),  // blue
    colour("#a479e2", "#ffffff", "preset8"),  // purple
    colour("#b65775", "#ffffff", "preset9"),  // cranberry
    colour("#999999", "#000000", "preset12"), // gray
    colour("#434343", "#ffffff", "preset13"), // dark gray
    colour("#000000", "#ffffff", "preset14"), // black
];

/// The palette entry for a `#rrggbb` value (any case), if it is one.
pub fn palette_colour(hex: &str) -> Option<&'static Colour> {
    PALETTE.iter().find(|c| c.hex.eq_ignore_ascii_case(hex))
}

/// An Outlook preset as a palette colour: its dark variants (preset15–24) and the steels
/// show as their base hue; `none` and unknown presets as no colour.
pub fn from_graph_preset(preset: &str) -> Option<String> {
    let number: u8 = preset.strip_prefix("preset")?.parse().ok()?;
    let base = match number {
        0..=9 => number,
        10 | 12 => 12,
        11 | 13 => 13,
        14 => 14,
        15..=24 => number - 15,
        _ => return None,
    };
    PALETTE
        .iter()
        .find(|c| c.graph_preset == format!("preset{base}"))
        .map(|c| c.hex.to_string())
}

/// What a label's create or update asks the provider for.
#[derive(Debug, Clone, Default)]
pub struct LabelEdit {
    pub name: Option<String>,
    /// `Some(None)`: no colour.
    pub color: Option<Option<String>>,
}

/// Gmail's inbox categories, shown as system labels (they sort mail, like labels do).
pub const GMAIL_CATEGORIES: [(&str, &str); 5] = [
    ("CATEGORY_PERSONAL", "Personal"),
    ("CATEGORY_SOCIAL", "Social"),
    ("CATEGORY_PROMOTIONS", "Promotions"),
    ("CATEGORY_UPDATES", "Updates"),
    ("CATEGORY_FORUMS", "Forums"),
];

/// The labels of a Gmail label list that are labels here: user labels and the inbox
/// categories (the other system labels are folders and states).
pub fn from_gmail(labels: &[crate::providers::gmail::Label]) -> Vec<RemoteLabel> {
    labels
        .iter()
        .filter_map(|label| {
            let category = GMAIL_CATEGORIES.iter().find(|(id, _)| *id == label.id);
            let user = label.kind.as_deref() == Some("user");
            (user || category.is_some()).then(|| RemoteLabel {
                provider_id: label.id.clone(),
                name: category.map_or_else(|| label.name.clone(), |(_, name)| (*name).to_string()),
                color: label
                    .color
                    .as_ref()
                    .and_then(|c| c.background_color.clone())
                    .map(|c| c.to_ascii_lowercase()),
                kind: if user { "user" } else { "system" }.to_string(),
            })
        })
        .collect()
}
