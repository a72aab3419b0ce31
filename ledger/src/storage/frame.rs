//! Frames: how entries (and checkpoint notes) sit in files.
//!
//! `len: u32 LE | crc32c(len bytes): u32 LE | crc32c(payload): u32 LE | payload`.
//! The header has its own checksum so that a damaged length is recognised as damage rather
//! than mistaken for a write that was cut short at the end of the file.

pub const HEADER_LEN: usize = 12;

pub fn encode(payload: &[u8], out: &mut Vec<u8>) {
    let len = u32::try_from(payload.len())
        .unwrap_or_else(|_| unreachable!("payloads are limited far below 4 GiB"));
    let len_bytes = len.to_le_bytes();
    out.extend_from_slice(&len_bytes);
    out.extend_from_slice(&crc32c::crc32c(&len_bytes).to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

pub fn framed_len(payload_len: usize) -> u64 {
    (HEADER_LEN + payload_len) as u64
}

/// What is found at an offset of a file's bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// A whole, intact frame: its payload range and the offset after it.
    Frame { start: usize, end: usize },
    /// The end of the data, exactly at a frame boundary.
    End,
    /// An incomplete frame that runs to the end of the data: what a crash mid-write leaves.
    Torn,
    /// A frame whose bytes are present but wrong.
    Corrupt(String),
}

/// Whether the frame at `offset` has all its bytes in `data` (a valid header whose declared
/// payload fits): a frame that is whole but fails its checksum was damaged, not torn.
pub fn is_whole(data: &[u8], offset: usize, max_len: usize) -> bool {
    let rest = &data[offset.min(data.len())..];
    if rest.len() < HEADER_LEN {
        return false;
    }
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(&rest[..4]);
    let header_crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    let len = u32::from_le_bytes(len_bytes) as usize;
    crc32c::crc32c(&len_bytes) == header_crc && len <= max_len && rest.len() >= HEADER_LEN + len
}

/// Reads the frame at `offset` of `data`, refusing payloads over `max_len`.
pub fn read(data: &[u8], offset: usize, max_len: usize) -> Found {
    let rest = &data[offset.min(data.len())..];
    if rest.is_empty() {
        return Found::End;
    }
    if rest.len() < HEADER_LEN {
        // A header cut short can only be at the end of the data.
        return Found::Torn;
    }
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(&rest[..4]);
    let header_crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    if crc32c::crc32c(&len_bytes) != header_crc {
        // Unwritten pages read back as zeros; anything else is damage.
        return if rest.iter().all(|&b| b == 0) {
            Found::Torn
        } else {
            Found::Corrupt("frame header checksum mismatch".into())
        };
    }
    let len = u32::from_le_bytes(len_bytes) as usize;
    if len > max_len {
        return Found::Corrupt(format!(
            "frame declares {len} bytes, over the limit of {max_len}"
        ));
    }
    let payload_crc = u32::from_le_bytes([rest[8], rest[9], rest[10], rest[11]]);
    if rest.len() < HEADER_LEN + len {
        return Found::Torn;
    }
    let payload = &rest[HEADER_LEN..HEADER_LEN + len];
    if crc32c::crc32c(payload) != payload_crc {
        let after = &rest[HEADER_LEN + len..];
        return if after.iter().all(|&b| b == 0) {
            // The last frame, or followed only by unwritten pages: a write that did not finish.
            Found::Torn
        } else {
            Found::Corrupt("frame payload checksum mismatch".into())
        };
    }
    Found::Frame {
        start: offset + HEADER_LEN,
        end: offset + HEADER_LEN + len,
    }
}

/// Why [`walk`] stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// The end of the data, at a frame boundary.
    End,
    /// An incomplete frame running to the end of the data.
    Torn,
    /// A damaged frame.
    Corrupt(String),
    /// The callback asked to stop.
    Halted,
}

/// The one frame-reading loop: reads the frames of `data` from `offset` on, handing `each`
/// every frame's offset and payload, until the end of the data, a torn or damaged frame, or
/// `each` returning false. Returns the offset it stopped at (the frame it could not read, or
/// the one after the last frame handed out) and why.
pub fn walk<'a, E>(
    data: &'a [u8],
    mut offset: usize,
    max_len: usize,
    mut each: impl FnMut(usize, &'a [u8]) -> Result<bool, E>,
) -> Result<(usize, Stop), E> {
    loop {
        match read(data, offset, max_len) {
            Found::Frame { start, end } => {
                let go_on = each(offset, &data[start..end])?;
                offset = end;
                if !go_on {
                    return Ok((offset, Stop::Halted));
                }
            }
            Found::End => return Ok((offset, Stop::End)),
            Found::Torn => return Ok((offset, Stop::Torn)),
            Found::Corrupt(reason) => return Ok((offset, Stop::Corrupt(reason))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_frames() -> Vec<u8> {
        let mut data = Vec::new();
        encode(b"first payload", &mut data);
        encode(b"second", &mut data);
        data
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let data = two_frames();
        let Found::Frame { start, end } = read(&data, 0, 1024) else {
            panic!("first frame not found")
        };
        assert_eq!(&data[start..end], b"first payload");
        let Found::Frame { start, end: e2 } = read(&data, end, 1024) else {
            panic!("second frame not found")
        };
        assert_eq!(&data[start..e2], b"second");
        assert_eq!(read(&data, e2, 1024), Found::End);
    }

    #[test]
    fn walking_hands_out_every_frame_then_says_why_it_stopped() {
        let data = two_frames();
        let mut seen = Vec::new();
        let walked = walk(&data, 0, 1024, |at, payload| {
            seen.push((at, payload.to_vec()));
            Ok::<_, ()>(true)
        });
        let second = HEADER_LEN + b"first payload".len();
        assert_eq!(walked, Ok((data.len(), Stop::End)));
        assert_eq!(
            seen,
            vec![(0, b"first payload".to_vec()), (second, b"second".to_vec())]
        );
        let torn = walk(&data[..data.len() - 1], 0, 1024, |_, _| Ok::<_, ()>(true));
        assert_eq!(torn, Ok((second, Stop::Torn)));
        let halted = walk(&data, 0, 1024, |_, _| Ok::<_, ()>(false));
        assert_eq!(halted, Ok((second, Stop::Halted)));
        let mut damaged = data.clone();
        damaged[HEADER_LEN] ^= 1;
        assert!(matches!(
            walk(&damaged, 0, 1024, |_, _| Ok::<_, ()>(true)),
            Ok((0, Stop::Corrupt(_)))
        ));
    }

    #[test]
    fn every_truncation_of_the_last_frame_is_torn() {
        let data = two_frames();
        let second = HEADER_LEN + b"first payload".len();
        for cut in second + 1..data.len() {
            assert_eq!(
                read(&data[..cut], second, 1024),
                Found::Torn,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_flipped_byte_before_the_last_frame_is_corruption() {
        let clean = two_frames();
        let first_end = HEADER_LEN + b"first payload".len();
        for i in 0..first_end {
            let mut data = clean.clone();
            data[i] ^= 0x40;
            match read(&data, 0, 1024) {
                Found::Corrupt(_) => {}
                other => panic!("flip at {i} gave {other:?}"),
            }
        }
    }

    #[test]
    fn an_oversized_length_is_refused_without_reading_it() {
        let mut data = Vec::new();
        let len = (2u32 << 30).to_le_bytes();
        data.extend_from_slice(&len);
        data.extend_from_slice(&crc32c::crc32c(&len).to_le_bytes());
        data.extend_from_slice(&[0; 4]);
        assert!(matches!(read(&data, 0, 1 << 20), Found::Corrupt(_)));
    }
}
