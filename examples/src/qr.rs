//! A QR code drawn with block characters, two modules per character
//! vertically, so a phone can scan it off the terminal.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use qrcode::types::QrError;

/// Draws `text` as a QR code, with its quiet zone.
///
/// Dark modules are `█`/`▀`/`▄` and light ones spaces. With `colour`, each
/// line is painted black on white (ANSI), so the code reads the right way
/// round on a dark terminal too; without it the characters stand alone, as
/// for a file or a light terminal.
pub fn draw(text: &str, colour: bool) -> Result<String, QrError> {
    let code = QrCode::new(text.as_bytes())?;
    let drawing = code.render::<Dense1x2>().quiet_zone(true).build();
    if !colour {
        return Ok(drawing);
    }
    Ok(drawing
        .lines()
        .map(|line| format!("\x1b[30;47m{line}\x1b[0m\n"))
        .collect())
}
