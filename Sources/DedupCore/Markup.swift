/// Removes what HTML leaves in a text that was meant to be plain: tags, comments and character
/// references. Feeds and scrapers often hand articles over with `<p>`, `<a href=…>`, `&nbsp;` and
/// `&quot;` still in; the same story without them must give the same words.
///
/// - A tag is `<` followed by a letter, `/`, `!` or `?`, up to the next `>`, at most 2,000
///   characters on and with no `<` inside; anything else (`a < b`) is text. A tag is replaced by a
///   space, so `<p>one</p><p>two</p>` is two words.
/// - `<script>` and `<style>` elements are dropped with their content.
/// - Character references: `&#NNN;`, `&#xHH;` and the named ones that news text uses. An unknown
///   name is left as it is.
public enum Markup {
    /// `text` without markup; returned unchanged (no copy) when it holds neither `<` nor `&`.
    public static func plainText(_ text: String) -> String {
        guard mayHoldMarkup(text) else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            if scalar == "<", let end = tagEnd(scalars, from: i) {
                let name = tagName(scalars, from: i)
                out.append(" ")
                i = end + 1
                if name == "script" || name == "style" { i = elementEnd(scalars, from: i, name: name) }
                continue
            }
            if scalar == "&", let (decoded, end) = reference(scalars, from: i) {
                out.append(decoded)
                i = end + 1
                continue
            }
            out.append(scalar)
            i += 1
        }
        return String(out)
    }

    /// Whether `text` holds a `<` or `&` at all: one pass over its bytes.
    static func mayHoldMarkup(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where byte == 0x3C || byte == 0x26 { return true }
            return false
        }
    }

    static func isASCIILetter(_ s: Unicode.Scalar) -> Bool {
        (s.value | 0x20) >= 0x61 && (s.value | 0x20) <= 0x7A
    }

    /// The index of the `>` closing a tag that starts at `start`, or nil when it is not a tag.
    static func tagEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        guard start + 1 < s.count else { return nil }
        let next = s[start + 1]
        guard isASCIILetter(next) || next == "/" || next == "!" || next == "?" else { return nil }
        var j = start + 1
        let limit = min(s.count, start + 2_000)
        while j < limit {
            if s[j] == ">" { return j }
            if s[j] == "<" { return nil }
            j += 1
        }
        return nil
    }

    static func tagName(_ s: [Unicode.Scalar], from start: Int) -> String {
        var name = ""
        var j = start + 1
        while j < s.count, isASCIILetter(s[j]) {
            name.unicodeScalars.append(Unicode.Scalar(s[j].value | 0x20)!)
            j += 1
        }
        return name
    }

    /// Past the `</name>` that closes a script or style element, or the end of the text.
    static func elementEnd(_ s: [Unicode.Scalar], from start: Int, name: String) -> Int {
        var j = start
        while j + 1 < s.count {
            if s[j] == "<", s[j + 1] == "/", tagName(s, from: j + 1) == name, let end = tagEnd(s, from: j) {
                return end + 1
            }
            j += 1
        }
        return s.count
    }

    /// A character reference starting at `start`: its character and the index of its `;`.
    static func reference(_ s: [Unicode.Scalar], from start: Int) -> (Unicode.Scalar, Int)? {
        var j = start + 1
        var body = ""
        while j < s.count, j - start <= 10, s[j] != ";" {
            guard s[j].isASCII, s[j] != "&", s[j] != " " else { return nil }
            body.unicodeScalars.append(s[j])
            j += 1
        }
        guard j < s.count, s[j] == ";", !body.isEmpty else { return nil }
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value = digits.first == "x" || digits.first == "X"
                ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value, let scalar = Unicode.Scalar(value) else { return nil }
            return (scalar, j)
        }
        guard let value = named[body] else { return nil }
        return (Unicode.Scalar(value)!, j)
    }

    static let named: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0xA0,
        "ndash": 0x2013, "mdash": 0x2014, "hellip": 0x2026, "laquo": 0xAB, "raquo": 0xBB,
        "lsquo": 0x2018, "rsquo": 0x2019, "ldquo": 0x201C, "rdquo": 0x201D, "sbquo": 0x201A,
        "bdquo": 0x201E, "copy": 0xA9, "reg": 0xAE, "trade": 0x2122, "shy": 0xAD, "zwj": 0x200D,
        "zwnj": 0x200C, "lrm": 0x200E, "rlm": 0x200F, "bull": 0x2022, "middot": 0xB7, "deg": 0xB0,
        "euro": 0x20AC, "pound": 0xA3, "yen": 0xA5, "times": 0xD7, "thinsp": 0x2009, "ensp": 0x2002,
        "emsp": 0x2003,
    ]
}
