/// One sentence or two per script, with the answers of the independent Python reference
/// (`scripts/reference_fingerprint.py`: unicodedata, PyPI xxhash, hashlib) for shingle size 2.
enum ScriptSamples {
    static let texts: [String: String] = [
        "hindi": "रूस के राष्ट्रपति व्लादिमीर पुतिन और उत्तर कोरिया के नेता किम जोंग-उन की पहली मुलाक़ात व्लादिवोस्तोक में हुई। दोनों नेताओं ने परमाणु कार्यक्रम पर बात की॥",
        "bengali": "রাশিয়ার প্রেসিডেন্ট ভ্লাদিমির পুতিন ও উত্তর কোরিয়ার নেতা কিম জং উন প্রথমবারের মতো বৈঠকে মিলিত হয়েছেন। তারা পরমাণু কর্মসূচি নিয়ে আলোচনা করেছেন।",
        "turkish": "İSTANBUL'da Işık ılık; Kuzey Kore lideri Kim Jong-un ve Rusya Devlet Başkanı Vladimir Putin arasında görüşme yapıldı.",
        "latin": "« Ça s’est passé à Vladivostok » : Kim Jong-un a rencontré Vladimir Poutine pour la première fois, jeudi.",
        "cyrillic": "Президент России Владимир Путин впервые встретился с лидером КНДР Ким Чен Ыном во Владивостоке.",
        "chinese": "朝鲜领导人金正恩与俄罗斯总统普京在符拉迪沃斯托克举行首次会晤，双方讨论了半岛无核化问题。",
        "japanese": "北朝鮮の金正恩委員長とロシアのプーチン大統領は、ウラジオストクで初めての首脳会談を行った。",
    ]

    /// script: (sha256 of the canonical text, simhash, token count)
    static let answers: [String: (sha256: String, simhash: UInt64, tokens: Int)] = [
        "hindi": ("4023ffefb135751c3dc4cfd0baf577561893368529ca8d4ff892d3e0961382c5", 0xaa2e_8090_4207_29ca, 27),
        "bengali": ("7bf006a130146579c9d2b9e83c2f563f355409d4fb648959516132b9e4521d78", 0x8076_5da6_d26b_4bb3, 22),
        "turkish": ("3d61f6fb64104b7ff0f4da941d3d6db7e339614efb2cc24f06502f77d88c54af", 0xa942_9701_0000_9474, 19),
        "latin": ("3486b1f77ecd12ca9872d7395f059597d425e8b74f5cbfe2c0a6971a251212cb", 0xa8f1_9e64_72bd_dd0d, 18),
        "cyrillic": ("7f4e9b6db54deeef7fecf5774b0745c80a5090bf8544d6119698c35d1db120f3", 0x1b34_091c_5e98_ec41, 14),
        "chinese": ("f4ef9f560db0cc1be7457ea35f087b7c8b43a56bb6cd17f4921698c1015cf67f", 0xe6c4_3671_85d9_e46d, 42),
        "japanese": ("fd3e0fe3af4d6afe1c4989e24a9d47c07e5e42d6e5725e7d1e7ad9ad3d3b074c", 0x8a24_224d_a079_652f, 43),
    ]

    /// The seeds' answers from the same reference.
    static let seedAnswers: [String: (sha256: String, simhash: UInt64, tokens: Int, lead: UInt64)] = [
        "000_4360acfb55c60055.txt": ("d0b214e7fa83feae91cfac88c838080e54e5c9cc171d90af815bb11b24e68c5c", 0x4c94_848d_b958_6d27, 426, 0x0d96_948d_bd58_493f),
        "001_1e3c29de23f4da67.txt": ("0e673555237300fa04a5aa6e77edfa160b2c69c70333e1bc452f74b681decc67", 0x259c_251d_3b48_0acf, 544, 0x005e_4118_d454_6b9e),
        "002_bd98f42bff8ccfe6.txt": ("9660e6023b5309b4ad30a19768aa010144b78aa288e8c6b82a82f31b756ae56a", 0x8d1a_0091_8459_0924, 385, 0x8dda_009d_607c_0dfe),
        "003_57e8a930f85aecc1.txt": ("df535432b1dfe8713d2ad7393f451c77743562b115661d4c8347751322268ccf", 0x3d71_b3c1_735b_8e30, 334, 0x6d61_b2c1_e9d3_0830),
        "004_bb220e98ae44434c.txt": ("bb25fd04eb0ea8ba0fca7e5b38de99bc757fa4edd6a8aff78fc70e71f5e3a63d", 0xfb4a_f59c_f3f2_0b3b, 466, 0xd100_0654_4d9f_2d33),
    ]

    /// A text of three tokens: its two word pairs are its anchors ("Kim meets Putin").
    static let shortAnchors: [UInt32] = [0xb8a1_0615, 0x2bc5_279e]

    /// The seeds' anchors (fingerprint algorithm 4) from the same reference.
    static let seedAnchors: [String: [UInt32]] = [
        "000_4360acfb55c60055.txt": [0x5395_b94b, 0x4622_c0d9, 0xec05_e326, 0x3410_6527],
        "001_1e3c29de23f4da67.txt": [0x746e_f79c, 0xd95a_4d1a, 0x0fa2_06bb, 0xe0b4_a400],
        "002_bd98f42bff8ccfe6.txt": [0xb6d2_4b5a, 0x6e71_c382, 0x58eb_0bf8, 0x9007_aaf7],
        "003_57e8a930f85aecc1.txt": [0xe208_e7e6, 0x98fc_3ade, 0x1253_2d77, 0x9ab2_6761],
        "004_bb220e98ae44434c.txt": [0xcf45_9c71, 0x28f6_cd86, 0x7d84_38e6, 0xa00c_9d74],
    ]
}
