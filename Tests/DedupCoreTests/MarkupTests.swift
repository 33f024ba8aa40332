import DedupCore
import Testing

@Suite struct MarkupTests {
    @Test(arguments: [
        ("<p>one</p><p>two</p>", " one  two "),
        ("<a href=\"https://x.example/a?b=1&amp;c=2\">पुतिन</a> ने कहा", " पुतिन  ने कहा"),
        ("Tom &amp; Jerry &quot;quoted&quot; &#39;a&#39; &#x201C;b&#x201D; &nbsp;", "Tom & Jerry \"quoted\" 'a' \u{201C}b\u{201D} \u{A0}"),
        ("a < b and c > d", "a < b and c > d"),  // not tags: `<` followed by a space
        ("x<y", "x<y"),  // no closing `>`
        ("AT&T; &unknown; &;", "AT&T; &unknown; &;"),  // not references
        ("<script>var a = '<p>';</script>text<style>p{}</style>", " text "),
        ("<!-- note -->kept<br/>also", " kept also"),
        ("plain text, no markup", "plain text, no markup"),
    ])
    func stripsTagsAndDecodesReferences(input: String, expected: String) {
        #expect(Markup.plainText(input) == expected)
    }

    @Test func htmlCopyFingerprintsLikeThePlainText() throws {
        let plain = "रूस के राष्ट्रपति व्लादिमीर पुतिन ने \"उत्तर कोरिया\" की यात्रा का निमंत्रण स्वीकार कर लिया है."
        let html = "<p><strong>रूस के राष्ट्रपति</strong> <a href=\"https://news.example/1\">व्लादिमीर पुतिन</a> ने "
            + "&quot;उत्तर कोरिया&quot; की यात्रा का निमंत्रण स्वीकार&nbsp;कर लिया है.</p>"
        #expect(try Fingerprinter().fingerprint(of: html) == Fingerprinter().fingerprint(of: plain))
    }
}
