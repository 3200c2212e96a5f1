import ParleyHTTP
import Testing

@Suite struct CookieJarTests {
    let now = 1_800_000_000.0

    @Test func cookiesGoBackToTheirHostAndPath() {
        var jar = CookieJar()
        jar.store(
            ["Set-Cookie": "session=abc; Path=/app; HttpOnly", "X-Other": "1"],
            from: "https://chat.example.com/app/login",
            now: now)
        jar.store(setCookie: "lang=en", from: "https://chat.example.com/app/settings/x", now: now)
        #expect(jar.header(for: "https://chat.example.com/app/conversations/1", now: now) == "session=abc")
        #expect(
            jar.header(for: "https://chat.example.com/app/settings/x/y", now: now) == "lang=en; session=abc",
            "longer paths first")
        #expect(jar.header(for: "https://chat.example.com/other", now: now) == nil, "another path")
        #expect(jar.header(for: "https://api.example.com/app", now: now) == nil, "another host")
        #expect(jar.header(for: "https://chat.example.com/apple", now: now) == nil, "a path that only starts alike")
    }

    @Test func domainCookiesReachSubdomainsAndForeignDomainsAreRefused() {
        var jar = CookieJar()
        jar.store(setCookie: "sso=1; Domain=.example.com; Path=/", from: "https://login.example.com/", now: now)
        jar.store(setCookie: "evil=1; Domain=other.org; Path=/", from: "https://login.example.com/", now: now)
        #expect(jar.header(for: "https://chat.example.com:8443/x", now: now) == "sso=1")
        #expect(jar.header(for: "https://other.org/", now: now) == nil)
        #expect(jar.cookies.count == 1)
    }

    @Test func expiryDeletionAndReplacement() {
        var jar = CookieJar()
        jar.store(setCookie: "a=1; Max-Age=60", from: "http://h/", now: now)
        jar.store(setCookie: "b=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", from: "http://h/", now: now)
        jar.store(setCookie: "c=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT", from: "http://h/", now: now)
        #expect(jar.header(for: "http://h/", now: now) == "a=1; c=1", "an expired date deletes at once")
        #expect(jar.header(for: "http://h/", now: now + 61) == "c=1", "Max-Age runs out")
        jar.store(setCookie: "c=2", from: "http://h/", now: now)
        #expect(jar.header(for: "http://h/", now: now) == "a=1; c=2", "the same name replaces")
        jar.store(setCookie: "c=; Max-Age=0", from: "http://h/", now: now)
        #expect(jar.header(for: "http://h/", now: now) == "a=1", "Max-Age=0 deletes")
    }

    @Test func secureCookiesTravelOverHTTPSOnly() {
        var jar = CookieJar()
        jar.store(setCookie: "s=1; Secure", from: "https://h/", now: now)
        #expect(jar.header(for: "https://h/", now: now) == "s=1")
        #expect(jar.header(for: "http://h/", now: now) == nil)
    }

    @Test func malformedFieldsAreIgnoredAndMergingReplaces() {
        var jar = CookieJar()
        for field in ["", "novalue", "=x", ";;;"] { jar.store(setCookie: field, from: "http://h/", now: now) }
        #expect(jar.isEmpty)
        jar.store(setCookie: "a=1", from: "http://h/", now: now)
        var other = CookieJar()
        other.store(setCookie: "a=2", from: "http://h/", now: now)
        other.store(setCookie: "b=3", from: "http://h/", now: now)
        jar.merge(other)
        #expect(jar.header(for: "http://h/", now: now) == "a=2; b=3")
    }

    @Test(arguments: [
        ("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_480.0),
        ("Wednesday, 21-Oct-15 07:28:00 GMT", 1_445_412_480.0),
        ("Wed Oct 21 07:28:00 2015", 1_445_412_480.0),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ])
    func datesAreReadLeniently(text: String, expected: Double) {
        var jar = CookieJar()
        jar.store(setCookie: "x=1; Expires=\(text)", from: "http://h/", now: expected - 1)
        #expect(jar.cookies.first?.expires == expected, "\(text)")
    }
}
