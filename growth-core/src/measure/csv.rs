//! A small RFC 4180 reader: what spreadsheet exports need, nothing more.
//!
//! Quoted fields may hold the delimiter, line breaks and doubled quotes; a UTF-8 byte-order mark
//! is dropped; `\r\n`, `\n` and `\r` all end a record; the delimiter is `,`, `;` (Excel in
//! locales with a decimal comma) or a tab, chosen from the first line. Each record keeps the line
//! it starts on, for error messages. Written here rather than taking a crate: the import needs
//! line numbers for every record and tolerance for ragged rows, in about a hundred lines.

/// One record and the (1-based) line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) line: usize,
    pub(crate) fields: Vec<String>,
}

impl Record {
    /// Whether every field is blank.
    pub(crate) fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// A quote opened on `line` is never closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UnclosedQuote {
    pub(crate) line: usize,
}

/// The delimiter of `text`: the most frequent of `,`, `;` and tab outside quotes on its first
/// line (`,` on a tie or when none appears).
pub(crate) fn sniff_delimiter(text: &str) -> char {
    let first = text.trim_start_matches('\u{feff}').lines().next().unwrap_or_default();
    let mut quoted = false;
    let (mut comma, mut semi, mut tab) = (0, 0, 0);
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => comma += 1,
            ';' if !quoted => semi += 1,
            '\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab >= semi {
        '\t'
    } else if semi > comma {
        ';'
    } else {
        ','
    }
}

/// The records of `text`, split on `delimiter`.
pub(crate) fn read(text: &str, delimiter: char) -> Result<Vec<Record>, UnclosedQuote> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                '\r' => {
                    // A line break inside a quoted field is kept as `\n`.
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    field.push('\n');
                    line += 1;
                }
                '\n' => {
                    field.push('\n');
                    line += 1;
                }
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            c if c == delimiter => fields.push(std::mem::take(&mut field)),
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                fields.push(std::mem::take(&mut field));
                records.push(Record { line: start, fields: std::mem::take(&mut fields) });
                line += 1;
                start = line;
                any = false;
            }
            other => field.push(other),
        }
    }
    if quoted {
        return Err(UnclosedQuote { line: start });
    }
    if any || !fields.is_empty() || !field.is_empty() {
        fields.push(field);
        records.push(Record { line: start, fields });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        read(text, sniff_delimiter(text)).unwrap().into_iter().map(|r| r.fields).collect()
    }

    #[test]
    fn quoted_fields_keep_delimiters_quotes_and_line_breaks() {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n4,5,6";
        assert_eq!(fields(text), vec![vec!["a", "b", "c"], vec!["x, y", "say \"hi\"", "two\nlines"], vec!["4", "5", "6"]]);
        let records = read(text, ',').unwrap();
        assert_eq!(records.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 2, 4], "records keep the line they start on");
    }

    #[test]
    fn a_bom_is_dropped_and_the_delimiter_is_sniffed() {
        assert_eq!(fields("\u{feff}Date;Impressions\n1/2/2026;1.234"), vec![vec!["Date", "Impressions"], vec!["1/2/2026", "1.234"]]);
        assert_eq!(fields("a\tb\n1\t2\n"), vec![vec!["a", "b"], vec!["1", "2"]]);
        assert_eq!(sniff_delimiter("\"a;b\",c"), ',', "delimiters inside quotes do not count");
    }

    #[test]
    fn a_quote_left_open_names_the_line_it_opened_on() {
        assert_eq!(read("a,b\n1,\"open\n2,3\n", ','), Err(UnclosedQuote { line: 2 }));
    }

    #[test]
    fn ragged_rows_and_empty_lines_are_kept_as_they_are() {
        assert_eq!(fields("a,b,c\n1\n\n2,3"), vec![vec!["a", "b", "c"], vec!["1"], vec![""], vec!["2", "3"]]);
        assert!(read("", ',').unwrap().is_empty());
    }
}
