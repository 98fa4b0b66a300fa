extension MaintainersMatch {
    /// The lines `scripts/get_maintainer.pl --no-git --no-rolestats -f PATH`
    /// prints for this match in a tree without git history: people
    /// (`Name <address>`), then lists (`address`).
    ///
    /// As get_maintainer.pl does it: the subsystems in ``entries`` order
    /// give their `M:` and `R:` people in line order, skipping a name or an
    /// address already given (compared without case); their `L:` lists
    /// likewise, except subscribers-only ones. Every address is then passed
    /// through `.mailmap` and made the same as the first one with the same
    /// name or address; Linus Torvalds (`THE REST`'s maintainer) is left
    /// out; a `.yaml` file's own addresses come after the people; a line
    /// already printed is not printed again.
    public func getMaintainerLines(mailmap: Mailmap = Mailmap()) -> [String] {
        var people = PeopleList()
        var lists: [[UInt8]] = []
        var seenLists = Set<[UInt8]>()
        for subsystem in entries.map(\.subsystem) {
            for field in subsystem.fields {
                switch field.tag {
                case "L":
                    let list = MailingList(field: field.value)
                    let key = EmailAddress.lowercased(Array(list.address.utf8))
                    guard !list.subscribersOnly, seenLists.insert(key).inserted else { continue }
                    lists.append(Array(list.address.utf8))
                case "M", "R":
                    for address in Self.addresses(in: field.value) { people.push(address) }
                default: break
                }
            }
        }
        var deduplicated = Deduplication(mailmap: mailmap)
        var emails = people.emails.map { deduplicated.apply($0) }
        lists = lists.map { deduplicated.apply($0) }
        let chief = EmailAddress.format(
            name: Array("Linus Torvalds".utf8), address: Array("torvalds@linux-foundation.org".utf8))
        if let chiefPattern = try? PerlRegex(String(decoding: chief, as: UTF8.self)) {
            emails.removeAll { chiefPattern.matches($0) }
        }
        people.emails = emails
        for email in fileEmails {
            let (name, address) = EmailAddress.parse(mailmap.map(Array(email.utf8)))
            people.push(EmailAddress.format(name: name, address: address))
        }
        var printed = Set<[UInt8]>()
        return (people.emails + lists).filter { printed.insert($0).inserted }.map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// An `M:`/`R:` value's addresses: several only when it is a list of
    /// comma-separated addresses that are each valid alone (`a@x, B <b@y>`);
    /// otherwise the value whole (`Pan, Xinhui <x@amd.com>`), as
    /// get_maintainer.pl's RFC 822 checks decide for the values in `MAINTAINERS`.
    static func addresses(in value: String) -> [[UInt8]] {
        let bytes = Array(value.utf8)
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        var quoted = false
        var angle = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): quoted.toggle()
            case UInt8(ascii: "<") where !quoted: angle = true
            case UInt8(ascii: ">") where !quoted: angle = false
            case UInt8(ascii: ",") where !quoted && !angle:
                parts.append(current)
                current = []
                continue
            default: break
            }
            current.append(byte)
        }
        parts.append(current)
        guard parts.count > 1, parts.allSatisfy(isSingleAddress) else { return [bytes] }
        return parts.map(EmailAddress.trimmed)
    }

    /// `local@domain`, or a phrase of plain words or a quoted string before `<local@domain>`.
    private static func isSingleAddress(_ part: [UInt8]) -> Bool {
        let part = EmailAddress.trimmed(part)
        let specials = Set("()<>@,;:\\\".[]".utf8)
        if let open = part.firstIndex(of: UInt8(ascii: "<")) {
            guard part.last == UInt8(ascii: ">"), part[open...].contains(UInt8(ascii: "@")) else { return false }
            let phrase = EmailAddress.trimmed(Array(part[..<open]))
            if phrase.first == UInt8(ascii: "\""), phrase.last == UInt8(ascii: "\""), phrase.count >= 2 { return true }
            return !phrase.contains { specials.contains($0) }
        }
        return part.contains(UInt8(ascii: "@")) && !part.contains { EmailAddress.isSpace($0) }
    }

    /// get_maintainer.pl's `@email_to` with `push_email_address`'s check.
    private struct PeopleList {
        var emails: [[UInt8]] = []
        var names = Set<[UInt8]>()
        var addresses = Set<[UInt8]>()

        mutating func push(_ line: [UInt8]) {
            let (name, address) = EmailAddress.parse(line)
            guard !address.isEmpty else { return }
            if !name.isEmpty && names.contains(EmailAddress.lowercased(name)) { return }
            if addresses.contains(EmailAddress.lowercased(address)) { return }
            emails.append(EmailAddress.format(name: name, address: address))
            if !name.isEmpty { names.insert(EmailAddress.lowercased(name)) }
            addresses.insert(EmailAddress.lowercased(address))
        }
    }

    /// get_maintainer.pl's `deduplicate_email`: the first form seen of a name or address wins.
    private struct Deduplication {
        let mailmap: Mailmap
        var byName: [[UInt8]: ([UInt8], [UInt8])] = [:]
        var byAddress: [[UInt8]: ([UInt8], [UInt8])] = [:]

        init(mailmap: Mailmap) { self.mailmap = mailmap }

        mutating func apply(_ email: [UInt8]) -> [UInt8] {
            let (rawName, rawAddress) = EmailAddress.parse(email)
            var (name, address) = EmailAddress.parse(
                mailmap.map(EmailAddress.format(name: rawName, address: rawAddress)))
            if !name.isEmpty, let known = byName[EmailAddress.lowercased(name)] {
                (name, address) = known
            } else if let known = byAddress[EmailAddress.lowercased(address)] {
                (name, address) = known
            } else {
                byName[EmailAddress.lowercased(name)] = (name, address)
                byAddress[EmailAddress.lowercased(address)] = (name, address)
            }
            return mailmap.map(EmailAddress.format(name: name, address: address))
        }
    }
}

/// The addresses get_maintainer.pl finds in a `.yaml` file's text
/// (`maintainers_in_file`, `clean_file_emails`): its own pattern, on bytes.
enum FileEmails {
    static let pattern = try! PerlRegex(
        #"[A-Za-zÀ-ÿ\"\' \,\.\+-]*\s*[\,]*\s*[\(\<\{]{0,1}[A-Za-z0-9_\.\+-]+\@[A-Za-z0-9\.-]+\.[A-Za-z0-9]+[\)\>\}]{0,1}"#
    )
    /// Every byte the pattern can match before its `@`.
    static let reachable: PerlRegex.ByteSet = {
        var set = PerlRegex.Parser.word
        set.formUnion(PerlRegex.Parser.space)
        for byte in "\"' ,.+-(<{".utf8 { set.insert(byte) }
        set.insert(0x80...0xC3)
        set.insert(0xBF)
        return set
    }()
    static let nameBytes: PerlRegex.ByteSet = {
        var set = PerlRegex.ByteSet()
        set.insert(UInt8(ascii: "A")...UInt8(ascii: "Z"))
        set.insert(UInt8(ascii: "a")...UInt8(ascii: "z"))
        set.insert(0x80...0xC3)
        set.insert(0xBF)
        for byte in "',.+-".utf8 { set.insert(byte) }
        return set
    }()

    /// The cleaned `Name <address>` of every match, each once, in order.
    static func extract(_ text: [UInt8]) -> [[UInt8]] {
        // reach[i]: every byte from i to the next `@` can be part of a match.
        var reach = [Bool](repeating: false, count: text.count + 1)
        var ok = false
        for index in stride(from: text.count - 1, through: 0, by: -1) {
            if text[index] == UInt8(ascii: "@") { ok = true } else if !reachable.contains(text[index]) { ok = false }
            reach[index] = ok
        }
        var found: [[UInt8]] = []
        var position = 0
        while position < text.count {
            if reach[position], let end = pattern.match(in: text, at: position) {
                found.append(clean(Array(text[position..<end])))
                position = end
            } else {
                position += 1
            }
        }
        var seen = Set<[UInt8]>()
        return found.filter { seen.insert($0).inserted }
    }

    private static let local: PerlRegex.ByteSet = {
        var set = PerlRegex.Parser.word
        for byte in ".+-".utf8 { set.insert(byte) }
        return set
    }()
    private static let domain: PerlRegex.ByteSet = {
        var set = PerlRegex.Parser.word
        set.remove(UInt8(ascii: "_"))
        for byte in ".-".utf8 { set.insert(byte) }
        return set
    }()

    /// `clean_file_emails` for one match.
    static func clean(_ raw: [UInt8]) -> [UInt8] {
        // Every `[(<{]?local@domain[)>}]?` becomes `<local@domain>`.
        var email: [UInt8] = []
        var index = 0
        while index < raw.count {
            var start = index
            if "(<{".utf8.contains(raw[start]) { start += 1 }
            var at = start
            while at < raw.count, local.contains(raw[at]) { at += 1 }
            var end = at + 1
            while end < raw.count, domain.contains(raw[end]) { end += 1 }
            guard at > start, at < raw.count, raw[at] == UInt8(ascii: "@"), end > at + 1 else {
                email.append(raw[index])
                index += 1
                continue
            }
            email += [UInt8(ascii: "<")] + raw[start..<end] + [UInt8(ascii: ">")]
            index = end < raw.count && ")>}".utf8.contains(raw[end]) ? end + 1 : end
        }
        var (name, address) = EmailAddress.parse(email)
        if name == Array(#""[,\.]""#.utf8) { name = [] }
        var words = name.split(omittingEmptySubsequences: false) { !nameBytes.contains($0) }
        while words.last?.isEmpty == true { words.removeLast() }  // Perl's split drops trailing empty fields
        if words.count > 2 {
            let (first, middle, last) = (words[words.count - 3], words[words.count - 2], words[words.count - 1])
            let initial: (ArraySlice<UInt8>) -> Bool = { $0.count == 2 && $0.last == UInt8(ascii: ".") }
            let letter = first.count == 1 && PerlRegex.Parser.otherCase(first[first.startIndex]) != nil
            if letter || initial(first) || middle.count == 1 || initial(middle) {
                name = Array(first) + [32] + Array(middle) + [32] + Array(last)
            } else {
                name = Array(middle) + [32] + Array(last)
            }
        }
        let punctuation: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: ".")]
        let quote = UInt8(ascii: "\"")
        if let last = name.last, punctuation.contains(last) {
            name.removeLast()
        } else if name.count >= 2, punctuation.contains(name[name.count - 2]), name.last == quote {
            name.removeLast(2)
            name.append(quote)
        }
        if let first = name.first, punctuation.contains(first) {
            name.removeFirst()
        } else if name.count >= 2, name[0] == quote, punctuation.contains(name[1]) {
            name.removeFirst(2)
            name.insert(quote, at: 0)
        }
        return EmailAddress.format(name: name, address: address)
    }
}
