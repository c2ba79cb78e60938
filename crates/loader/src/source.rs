//! Source text with a line index, for turning byte offsets into `line:column`.

/// A 1-based position in a source file (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

pub(crate) struct SourceText {
    text: String,
    line_starts: Vec<u32>,
}

impl SourceText {
    pub fn new(text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        Self { text, line_starts }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn location(&self, offset: u32) -> Location {
        let offset = offset.min(self.text.len() as u32);
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let column = self.text[start..offset as usize].chars().count() as u32 + 1;
        Location { line: line as u32 + 1, column }
    }

    /// The text of a 1-based line, for showing the offending code.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)? as usize)? as usize;
        let end = self.text[start..].find('\n').map_or(self.text.len(), |e| start + e);
        Some(self.text[start..end].trim_end_matches('\r'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_to_lines_and_columns() {
        let s = SourceText::new("ab\ncdé\nf".into());
        assert_eq!(s.location(0), Location { line: 1, column: 1 });
        assert_eq!(s.location(3), Location { line: 2, column: 1 });
        assert_eq!(s.location(7), Location { line: 2, column: 4 });
        assert_eq!(s.location(8), Location { line: 3, column: 1 });
        assert_eq!(s.line_text(2), Some("cdé"));
    }
}
