/// Template reports (issue 15's hardest negatives): the same sentence frame for weather,
/// markets and match results, filled with other places, names and numbers. Two reports of one
/// frame are different stories that share most of their words; a near-duplicate detector must
/// tell them apart. Each report's digit-and-date variant is its positive.
public enum TemplateReports {
    public struct Report: Sendable {
        public let language: String
        public let frame: String
        public let text: String
    }

    /// `perFrame` reports of every frame of every language, deterministic from `rng`.
    public static func make(perFrame: Int = 20, using rng: inout SeededGenerator) -> [Report] {
        var reports: [Report] = []
        for (language, frames) in Self.frames.sorted(by: { $0.key < $1.key }) {
            let names = Self.names[language]!
            for (frame, template) in frames.sorted(by: { $0.key < $1.key }) {
                var used: Set<String> = []
                while used.count < perFrame {
                    var text = template
                    for (slot, pool) in names {
                        while let range = text.range(of: "{\(slot)}") {
                            text.replaceSubrange(range, with: pool.randomElement(using: &rng)!)
                        }
                    }
                    while let range = text.range(of: "{n}") {
                        text.replaceSubrange(range, with: String(Int.random(in: 2...98, using: &rng)))
                    }
                    while let range = text.range(of: "{d}") {
                        text.replaceSubrange(range, with: "\(Int.random(in: 1...28, using: &rng)).\(Int.random(in: 1...12, using: &rng)).2026")
                    }
                    while let range = text.range(of: "{x}") {
                        text.replaceSubrange(range, with: "\(Int.random(in: 1000...60000, using: &rng)).\(Int.random(in: 10...99, using: &rng))")
                    }
                    if used.insert(text).inserted { reports.append(Report(language: language, frame: frame, text: text)) }
                }
            }
        }
        return reports
    }

    static let names: [String: [(String, [String])]] = [
        "en": [("city", ["London", "Leeds", "Bristol", "Glasgow", "Cardiff", "Belfast", "York", "Norwich", "Plymouth", "Dundee"]),
               ("team", ["Rovers", "United", "City", "Athletic", "Wanderers", "Albion", "Town", "County"]),
               ("firm", ["Aldgate Mining", "Northwind Energy", "Baxter Foods", "Crest Telecom", "Harbour Bank", "Vale Motors"])],
        "hi": [("city", ["दिल्ली", "मुंबई", "जयपुर", "लखनऊ", "पटना", "भोपाल", "इंदौर", "कानपुर", "वाराणसी", "शिमला"]),
               ("team", ["मुंबई इंडियंस", "चेन्नई सुपर किंग्स", "दिल्ली कैपिटल्स", "राजस्थान रॉयल्स", "पंजाब किंग्स", "गुजरात टाइटन्स"]),
               ("firm", ["टाटा स्टील", "रिलायंस", "इन्फोसिस", "मारुति सुज़ुकी", "एचडीएफसी बैंक", "भारती एयरटेल"])],
        "tr": [("city", ["İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", "Konya", "Trabzon", "Erzurum", "Samsun", "Kayseri"]),
               ("team", ["Galatasaray", "Fenerbahçe", "Beşiktaş", "Trabzonspor", "Başakşehir", "Konyaspor", "Sivasspor"]),
               ("firm", ["Türk Hava Yolları", "Aselsan", "Koç Holding", "Ereğli Demir Çelik", "Tüpraş", "BİM"])],
        "ru": [("city", ["Москве", "Казани", "Самаре", "Томске", "Перми", "Омске", "Иркутске", "Воронеже", "Сочи", "Туле"]),
               ("team", ["«Спартак»", "«Зенит»", "ЦСКА", "«Локомотив»", "«Динамо»", "«Рубин»", "«Ростов»"]),
               ("firm", ["«Газпром»", "Сбербанк", "«Лукойл»", "«Норникель»", "«Магнит»", "«Роснефть»"])],
        "bn": [("city", ["ঢাকা", "চট্টগ্রাম", "খুলনা", "রাজশাহী", "সিলেট", "বরিশাল", "রংপুর", "ময়মনসিংহ", "কুমিল্লা", "যশোর"]),
               ("team", ["আবাহনী", "মোহামেডান", "বসুন্ধরা কিংস", "শেখ জামাল", "ব্রাদার্স ইউনিয়ন", "রহমতগঞ্জ"]),
               ("firm", ["গ্রামীণফোন", "স্কয়ার ফার্মা", "বেক্সিমকো", "ব্র্যাক ব্যাংক", "ওয়ালটন", "লাফার্জহোলসিম"])],
        "ar": [("city", ["القاهرة", "الرياض", "دبي", "عمّان", "بيروت", "الدوحة", "الكويت", "تونس", "الرباط", "مسقط"]),
               ("team", ["الأهلي", "الزمالك", "الهلال", "النصر", "الوداد", "الترجي", "الاتحاد"]),
               ("firm", ["أرامكو", "سابك", "إعمار", "مصرف الراجحي", "اتصالات", "طلعت مصطفى"])],
    ]

    static let frames: [String: [String: String]] = [
        "en": [
            "weather": "Weather for {city} on {d}. Temperatures will reach {n} degrees in the afternoon and fall to {n} degrees overnight. Winds from the south-west at {n} miles per hour, with a {n} per cent chance of rain. Forecasters expect a drier spell in {city} from the weekend, when highs of {n} degrees are likely. Visibility will be good and the pollen count moderate.",
            "markets": "Markets on {d}: shares of {firm} rose {n} per cent to {x} pence while {firm} slipped {n} per cent. The FTSE 100 closed at {x} points, up {n} points on the day. Traders said the gains followed better than expected results from {firm}. The pound traded at {n} cents against the dollar and oil fell {n} per cent to {n} dollars a barrel.",
            "match": "{team} beat {team} {n}-{n} in {city} on {d}. The visitors went ahead after {n} minutes, but the hosts equalised before half-time and scored the winner in the {n}th minute. A crowd of {x} watched the game. The win lifts the side to {n} points, {n} clear of their rivals, with {n} matches left to play.",
        ],
        "hi": [
            "weather": "{d} को {city} का मौसम। दोपहर में तापमान {n} डिग्री तक पहुंचेगा और रात में {n} डिग्री तक गिर जाएगा। दक्षिण-पश्चिम से {n} किलोमीटर प्रति घंटे की रफ्तार से हवा चलेगी और बारिश की संभावना {n} प्रतिशत है। मौसम विभाग के अनुसार सप्ताहांत से {city} में मौसम साफ रहेगा और अधिकतम तापमान {n} डिग्री रहने की उम्मीद है।",
            "markets": "{d} को शेयर बाजार में {firm} के शेयर {n} प्रतिशत चढ़कर {x} रुपये पर पहुंचे, जबकि {firm} के शेयर {n} प्रतिशत गिरे। सेंसेक्स {x} अंक पर बंद हुआ, जो दिन भर में {n} अंक ऊपर रहा। कारोबारियों ने कहा कि यह तेजी {firm} के उम्मीद से बेहतर नतीजों के बाद आई। रुपया डॉलर के मुकाबले {n} पैसे मजबूत हुआ।",
            "match": "{d} को {city} में खेले गए मुकाबले में {team} ने {team} को {n} रन से हराया। पहले बल्लेबाजी करते हुए टीम ने {n} ओवर में {n} विकेट पर {x} रन बनाए। जवाब में विरोधी टीम {n} ओवर में सिमट गई। इस जीत के साथ टीम के {n} अंक हो गए हैं और वह तालिका में {n} वें स्थान पर पहुंच गई है।",
        ],
        "tr": [
            "weather": "{city} için {d} hava durumu. Öğleden sonra sıcaklık {n} dereceye çıkacak, gece ise {n} dereceye düşecek. Güneybatıdan saatte {n} kilometre hızla rüzgar esecek, yağış ihtimali yüzde {n}. Meteoroloji, hafta sonundan itibaren {city} çevresinde havanın açacağını ve en yüksek sıcaklığın {n} derece olmasını bekliyor.",
            "markets": "Borsa İstanbul'da {d} tarihinde {firm} hisseleri yüzde {n} yükselerek {x} liradan işlem gördü, {firm} ise yüzde {n} geriledi. BIST 100 endeksi günü {n} puan artışla {x} puandan tamamladı. Analistler yükselişin {firm} tarafından açıklanan beklentilerin üzerindeki bilançonun ardından geldiğini söyledi. Dolar {n} lira seviyesinde.",
            "match": "{team}, {d} tarihinde {city}'da oynanan maçta {team}'u {n}-{n} yendi. Konuk ekip {n}. dakikada öne geçti, ancak ev sahibi ilk yarı bitmeden eşitliği yakaladı ve {n}. dakikada galibiyet golünü attı. Maçı {x} seyirci izledi. Bu galibiyetle takım puanını {n}'e yükseltti.",
        ],
        "ru": [
            "weather": "Погода в {city} на {d}. Днём температура поднимется до {n} градусов, ночью опустится до {n} градусов. Ветер юго-западный, {n} метров в секунду, вероятность осадков {n} процентов. Синоптики ожидают, что с выходных в {city} установится сухая погода, а днём будет до {n} градусов тепла.",
            "markets": "Торги {d}: акции {firm} выросли на {n} процента, до {x} рубля, а бумаги {firm} подешевели на {n} процента. Индекс Мосбиржи завершил день на отметке {x} пункта, прибавив {n} пунктов. По словам трейдеров, рост последовал за отчётностью {firm}, оказавшейся лучше ожиданий. Курс доллара составил {n} рубля.",
            "match": "{team} обыграл {team} со счётом {n}:{n} в матче, прошедшем в {city} {d}. Гости открыли счёт на {n}-й минуте, но хозяева сравняли ещё до перерыва и забили победный мяч на {n}-й минуте. Игру посмотрели {x} зрителей. Команда набрала {n} очков и поднялась на {n}-е место.",
        ],
        "bn": [
            "weather": "{d} তারিখে {city} এর আবহাওয়া। দুপুরে তাপমাত্রা {n} ডিগ্রি পর্যন্ত উঠবে এবং রাতে {n} ডিগ্রিতে নামবে। দক্ষিণ-পশ্চিম দিক থেকে ঘণ্টায় {n} কিলোমিটার বেগে বাতাস বইবে এবং বৃষ্টির সম্ভাবনা {n} শতাংশ। আবহাওয়া অধিদপ্তর জানিয়েছে সপ্তাহান্ত থেকে {city} এলাকায় আকাশ পরিষ্কার থাকবে এবং সর্বোচ্চ তাপমাত্রা {n} ডিগ্রি হতে পারে।",
            "markets": "{d} তারিখে শেয়ারবাজারে {firm} এর শেয়ারের দাম {n} শতাংশ বেড়ে {x} টাকায় দাঁড়িয়েছে, আর {firm} এর দাম {n} শতাংশ কমেছে। ডিএসইএক্স সূচক {n} পয়েন্ট বেড়ে {x} পয়েন্টে দিন শেষ করেছে। ব্যবসায়ীরা বলছেন {firm} এর প্রত্যাশার চেয়ে ভালো আয়ের খবরে এই উত্থান হয়েছে।",
            "match": "{d} তারিখে {city} এ অনুষ্ঠিত ম্যাচে {team} {n}-{n} গোলে {team} কে হারিয়েছে। সফরকারীরা {n} মিনিটে এগিয়ে যায়, তবে বিরতির আগেই স্বাগতিকরা সমতা ফেরায় এবং {n} মিনিটে জয়সূচক গোল করে। মাঠে {x} দর্শক খেলা দেখেছেন। এই জয়ে দলটির পয়েন্ট হলো {n}।",
        ],
        "ar": [
            "weather": "حالة الطقس في {city} يوم {d}. ترتفع درجات الحرارة إلى {n} درجة بعد الظهر وتنخفض إلى {n} درجة ليلا. الرياح جنوبية غربية بسرعة {n} كيلومترا في الساعة، واحتمال هطول الأمطار {n} في المئة. ويتوقع خبراء الأرصاد أجواء أكثر جفافا في {city} بدءا من نهاية الأسبوع مع درجة حرارة عظمى تبلغ {n} درجة.",
            "markets": "في تداولات يوم {d} ارتفع سهم {firm} بنسبة {n} في المئة إلى {x}، بينما تراجع سهم {firm} بنسبة {n} في المئة. وأغلق المؤشر العام عند {x} نقطة مرتفعا {n} نقطة. وقال متعاملون إن المكاسب جاءت بعد نتائج أفضل من المتوقع أعلنتها {firm}. واستقر سعر برميل النفط عند {n} دولارا.",
            "match": "فاز {team} على {team} بنتيجة {n}-{n} في المباراة التي أقيمت في {city} يوم {d}. وتقدم الضيوف في الدقيقة {n}، لكن أصحاب الأرض أدركوا التعادل قبل نهاية الشوط الأول وسجلوا هدف الفوز في الدقيقة {n}. وتابع المباراة {x} متفرج. ورفع الفريق رصيده إلى {n} نقطة.",
        ],
    ]
}
