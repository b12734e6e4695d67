//! NENA date fields as the usual writers store them (SPEC §7 dates). A `.dbf` has no
//! date-time type, so GDAL exports write `2024/01/15 00:00:00`, ArcGIS `1/15/2024 12:00:00 AM`;
//! a dBASE `D` column holds `20240115`, with `00000000` or blanks for "no date". GeoPackage
//! and GeoJSON hold ISO 8601 (`2024-01-15`, `2024-01-15T00:00:00-05:00`).

/// What a date field's text says.
#[derive(Debug, PartialEq, Eq)]
pub enum DateText {
    /// No date: `00000000`, `0000-00-00` (dBASE's and some exports' empty value).
    Empty,
    /// A date, written `YYYY-MM-DD`, then the time part as the file wrote it.
    Day(String),
    /// Not a date in any of the writers' forms: kept as written, for `boundary-attribute`.
    Other,
}

/// Reads a date field's (trimmed, non-empty) text.
pub fn read(text: &str) -> DateText {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| matches!(b, b'0' | b'-' | b'/')) {
        return DateText::Empty;
    }
    let parsed = ymd(text, b'-')
        .or_else(|| ymd(text, b'/'))
        .or_else(|| compact(text))
        .or_else(|| us(text));
    match parsed {
        Some((day, rest)) if crate::date::is_valid(&day) && time_ok(rest) => DateText::Day(format!("{day}{rest}")),
        _ => DateText::Other,
    }
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`, then the rest.
fn ymd(text: &str, sep: u8) -> Option<(String, &str)> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != sep || b[7] != sep || !digits(&b[..4]) || !digits(&b[5..7]) || !digits(&b[8..10]) {
        return None;
    }
    Some((format!("{}-{}-{}", &text[..4], &text[5..7], &text[8..10]), &text[10..]))
}

/// dBASE's `YYYYMMDD`.
fn compact(text: &str) -> Option<(String, &str)> {
    let b = text.as_bytes();
    if b.len() < 8 || !digits(&b[..8]) || b.get(8).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..8]), &text[8..]))
}

/// ArcGIS's US text form `M/D/YYYY` (month first, as ArcGIS in the US writes it).
fn us(text: &str) -> Option<(String, &str)> {
    let mut parts = text.splitn(3, '/');
    let (m, d, tail) = (parts.next()?, parts.next()?, parts.next()?);
    let y = tail.get(..4)?;
    let short = |s: &str| (1..=2).contains(&s.len()) && digits(s.as_bytes());
    if !short(m) || !short(d) || !digits(y.as_bytes()) {
        return None;
    }
    Some((format!("{y}-{m:0>2}-{d:0>2}"), &tail[4..]))
}

/// After the day: nothing, or a time of day (`T` or a space, `H:MM[:SS[.fff]]`, then a zone
/// `Z`/`+HH[:MM]`/`-HH[MM]` or ` AM`/` PM`).
fn time_ok(rest: &str) -> bool {
    let Some(time) = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' ')) else {
        return rest.is_empty();
    };
    let end = time
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(time.len());
    let (clock, zone) = time.split_at(end);
    let fields: Vec<&str> = clock.split(':').collect();
    let clock_ok = (2..=3).contains(&fields.len())
        && fields.iter().enumerate().all(|(i, f)| {
            let whole = f.split('.').next().unwrap_or("");
            !whole.is_empty()
                && whole.len() <= 2
                && digits(whole.as_bytes())
                && (i == 2 || !f.contains('.'))
                && f.split('.')
                    .nth(1)
                    .is_none_or(|frac| digits(frac.as_bytes()) && !frac.is_empty())
        });
    let zone = zone.trim_start();
    let zone_ok = match zone.as_bytes() {
        [] | b"Z" | b"AM" | b"PM" | b"am" | b"pm" => true,
        [b'+' | b'-', rest @ ..] => {
            let rest: Vec<u8> = rest.iter().copied().filter(|&c| c != b':').collect();
            matches!(rest.len(), 2 | 4) && digits(&rest)
        }
        _ => false,
    };
    clock_ok && zone_ok
}

fn digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Option<String> {
        match read(text) {
            DateText::Day(d) => Some(d[..10].to_string()),
            _ => None,
        }
    }

    #[test]
    fn the_writers_forms_are_dates() {
        for text in [
            "2024-01-15",
            "2024-01-15T00:00:00",
            "2024-01-15T00:00:00Z",
            "2024-01-15T00:00:00.000-05:00",
            "2024-01-15 00:00:00+00",
            "2024/01/15 00:00:00",
            "2024/01/15 00:00:00.123",
            "2024/01/15",
            "20240115",
            "1/15/2024",
            "01/15/2024 12:00:00 AM",
            " 2024/01/15 00:00:00 ",
        ] {
            assert_eq!(day(text).as_deref(), Some("2024-01-15"), "{text}");
        }
    }

    #[test]
    fn zeros_are_no_date_and_the_rest_is_not_a_date() {
        for text in ["00000000", "0000-00-00", "0000/00/00"] {
            assert_eq!(read(text), DateText::Empty, "{text}");
        }
        for text in [
            "soon",
            "2024-13-01",
            "20241301",
            "2024-01-15 lunchtime",
            "15/01/2024",
            "2024-01-15T25",
            "202401150",
            "2024-02-30",
        ] {
            assert_eq!(read(text), DateText::Other, "{text}");
        }
    }
}
