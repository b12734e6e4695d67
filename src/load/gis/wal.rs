//! A GeoPackage left in WAL journal mode (QGIS sets it while editing, and it stays set after a
//! crash): its saved edits may sit in `x.gpkg-wal` beside it. SQLite would open the file
//! itself and write a `-shm` index beside it; psapguard writes nothing, so it applies the
//! WAL's committed frames to the database image in memory, as a checkpoint would, and marks
//! the image as a rollback-journal database for `sqlite3_deserialize`.
//!
//! WAL format (sqlite.org/fileformat2.html §4): a 32-byte header (magic, version, page size,
//! checkpoint sequence, two salts, a checksum), then frames of a 24-byte header (page number,
//! database size in pages after a commit or 0, the salts, a cumulative checksum) and a page.
//! Frames count only up to the last commit whose salts and checksums hold: what comes after is
//! an unfinished transaction, as SQLite itself would ignore it.

/// The database image with the WAL's committed pages applied; the image unchanged but for
/// its journal-mode bytes when there is no WAL (or none that holds a commit).
pub(super) fn apply(mut db: Vec<u8>, wal: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let in_wal_mode = db.get(18..20) == Some(&[2, 2]);
    if let Some(wal) = wal
        && let Some(frames) = committed(wal)?
    {
        let (page_size, pages, db_pages) = frames;
        let size = db_pages.saturating_mul(page_size);
        if size as u64 > super::MAX_LAYER_BYTES {
            return Err(super::too_big(size as u64));
        }
        db.resize(size, 0);
        for (number, data) in pages {
            let at = (number - 1) * page_size;
            if at + page_size <= db.len() {
                db[at..at + page_size].copy_from_slice(data);
            }
        }
    }
    if in_wal_mode || db.get(18..20) == Some(&[2, 2]) {
        // File format versions 1/1: a rollback-journal database, which deserialize opens.
        db[18] = 1;
        db[19] = 1;
    }
    Ok(db)
}

/// (page size, the committed frames' pages in order, database size in pages at the last
/// commit), or `None` for an empty or stale WAL.
type Committed<'a> = (usize, Vec<(usize, &'a [u8])>, usize);

fn committed(wal: &[u8]) -> Result<Option<Committed<'_>>, String> {
    if wal.len() < 32 {
        return Ok(None);
    }
    let word = |at: usize| u32::from_be_bytes([wal[at], wal[at + 1], wal[at + 2], wal[at + 3]]);
    let big_endian = match word(0) {
        0x377f_0682 => false,
        0x377f_0683 => true,
        _ => return Err("has a -wal file beside it that is not an SQLite WAL".into()),
    };
    let page_size = word(8) as usize;
    if !(512..=65_536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err("has a -wal file beside it with an impossible page size".into());
    }
    let salts = &wal[16..24];
    let mut sum = checksum((0, 0), &wal[..24], big_endian);
    if sum != (word(24), word(28)) {
        // A header that does not hold: SQLite ignores such a WAL.
        return Ok(None);
    }
    let mut pages = Vec::new();
    let mut last_commit = None;
    let frame_len = 24 + page_size;
    let mut at = 32;
    while at + frame_len <= wal.len() {
        let header = &wal[at..at + 24];
        let page = &wal[at + 24..at + frame_len];
        if &header[8..16] != salts {
            break;
        }
        sum = checksum(sum, &header[..8], big_endian);
        sum = checksum(sum, page, big_endian);
        if sum != (word(at + 16), word(at + 20)) {
            break;
        }
        let number = word(at) as usize;
        if number == 0 {
            break;
        }
        pages.push((number, page));
        let db_pages = word(at + 4) as usize;
        if db_pages != 0 {
            last_commit = Some((pages.len(), db_pages));
        }
        at += frame_len;
    }
    Ok(last_commit.map(|(count, db_pages)| {
        pages.truncate(count);
        (page_size, pages, db_pages)
    }))
}

/// SQLite's WAL checksum: Fibonacci-weighted sums of 32-bit words in the WAL's byte order.
fn checksum(mut sum: (u32, u32), data: &[u8], big_endian: bool) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let read = |b: &[u8]| {
            let bytes = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            }
        };
        sum.0 = sum.0.wrapping_add(read(&pair[..4])).wrapping_add(sum.1);
        sum.1 = sum.1.wrapping_add(read(&pair[4..])).wrapping_add(sum.0);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL of one committed frame that puts `page` at page 1, in SQLite's layout.
    fn wal_of(page: &[u8], big_endian: bool) -> Vec<u8> {
        let mut wal = Vec::new();
        wal.extend_from_slice(&(0x377f_0682u32 + u32::from(big_endian)).to_be_bytes());
        wal.extend_from_slice(&3_007_000u32.to_be_bytes());
        wal.extend_from_slice(&(page.len() as u32).to_be_bytes());
        wal.extend_from_slice(&[0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
        let sum = checksum((0, 0), &wal[..24], big_endian);
        wal.extend_from_slice(&sum.0.to_be_bytes());
        wal.extend_from_slice(&sum.1.to_be_bytes());
        let mut header = vec![0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8];
        let sum = checksum(checksum(sum, &header[..8], big_endian), page, big_endian);
        header.extend_from_slice(&sum.0.to_be_bytes());
        header.extend_from_slice(&sum.1.to_be_bytes());
        wal.extend_from_slice(&header);
        wal.extend_from_slice(page);
        wal
    }

    #[test]
    fn a_committed_frame_replaces_its_page_in_either_byte_order() {
        let mut db = vec![0u8; 1024];
        db[18] = 2;
        db[19] = 2;
        let page: Vec<u8> = (0..512).map(|i| (i % 251) as u8).collect();
        for big_endian in [false, true] {
            let out = apply(db.clone(), Some(&wal_of(&page, big_endian))).unwrap();
            assert_eq!(out.len(), 512, "the commit says the database is one page long");
            assert_eq!(&out[20..], &page[20..]);
            assert_eq!(&out[18..20], &[1, 1]);
        }
    }

    #[test]
    fn a_torn_or_truncated_wal_changes_nothing_and_never_panics() {
        let db = vec![7u8; 1024];
        let page = vec![9u8; 512];
        let wal = wal_of(&page, false);
        let mut torn = wal.clone();
        *torn.last_mut().unwrap() ^= 1;
        assert_eq!(apply(db.clone(), Some(&torn)).unwrap(), db);
        for cut in 0..wal.len() {
            let _ = apply(db.clone(), Some(&wal[..cut]));
        }
        assert!(apply(db.clone(), Some(b"not a wal, not at all, no.......")).is_err());
    }
}
