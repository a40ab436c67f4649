package sessionauthority

// The token checks without a server: a verifier given a key by hand, tokens
// signed here. Reasons for odd tokens, and the cost of a cold check beside
// the bare signature check it cannot be faster than.

import (
	"container/list"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	mrand "math/rand"
	"testing"
	"time"
)

func testVerifier(t testing.TB) (*LocalVerifier, ed25519.PrivateKey) {
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	v := &LocalVerifier{keys: map[string][]byte{"k1": public}, audience: "aud-t", legacyAudience: "session-authority",
		issuer: "iss-t", tenant: "t", verified: map[string]*list.Element{}, order: list.New(), cacheSize: 1,
		// Fetched just now: an unknown kid is not fetched again (there is no server).
		keysFetched: time.Now()}
	return v, private
}

func sign(key ed25519.PrivateKey, header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	signed := enc([]byte(header)) + "." + enc([]byte(claims))
	return signed + "." + enc(ed25519.Sign(key, []byte(signed)))
}

const goodHeader = `{"alg":"EdDSA","kid":"k1","typ":"JWT"}`

func goodClaims(extra string) string {
	return `{"iss":"iss-t","aud":"aud-t","tnt":"t","sid":"ses_1","sub":"user-1","iat":1,"exp":4102444800,"jti":"j"` + extra + `}`
}

func TestDecodeReasons(t *testing.T) {
	v, key := testVerifier(t)
	for _, c := range []struct{ header, claims, reason string }{
		{goodHeader, goodClaims(""), ""},
		{goodHeader, goodClaims(`,"sid":"ses_2"`), ""}, // the last of a duplicate wins, as in Python
		{`{"alg":"HS256","kid":"k1"}`, goodClaims(""), "MALFORMED"},
		{`{"alg":"EdDSA","kid":"k2"}`, goodClaims(""), "BAD_SIGNATURE"},
		{`{"alg":"EdDSA","kid":"k1"}`, goodClaims(`,"iss":"other"`), "MALFORMED"},
		{goodHeader, goodClaims(`,"tnt":"other"`), "SESSION_NOT_FOUND"},
		{goodHeader, goodClaims(`,"tnt":7`), "SESSION_NOT_FOUND"},
		{goodHeader, goodClaims(`,"aud":["aud-t"]`), "MALFORMED"},
		{goodHeader, goodClaims(`,"aud":"session-authority"`), ""},
		{goodHeader, goodClaims(`,"sid":null`), "MALFORMED"},
		{goodHeader, goodClaims(`,"sub":1`), "MALFORMED"},
		{goodHeader, goodClaims(`,"exp":4102444800.0`), "MALFORMED"},
		{goodHeader, goodClaims(`,"exp":4.1e9`), "MALFORMED"},
		{goodHeader, goodClaims(`,"exp":"4102444800"`), "MALFORMED"},
		{goodHeader, goodClaims(`,"ISS":"x"`), ""},
		{goodHeader, goodClaims(`,"sub":"us\u0065r-\ud83d\ude00"`), ""},
		{goodHeader, `[1]`, "MALFORMED"},
		{goodHeader, `{"iss":"iss-t"`, "MALFORMED"},
	} {
		got, reason := v.decode(sign(key, c.header, c.claims))
		if reason != c.reason {
			t.Errorf("%s %s: %q, want %q", c.header, c.claims, reason, c.reason)
		}
		if reason == "" && (got.exp != 4102444800 || got.sid == "" || got.sub == "") {
			t.Errorf("%s: claims %+v", c.claims, got)
		}
	}
	got, _ := v.decode(sign(key, goodHeader, goodClaims(`,"sid":"ses_2","sub":"us\u0065r-\ud83d\ude00"`)))
	if got.sid != "ses_2" || got.sub != "user-\U0001F600" {
		t.Errorf("claims %+v", got)
	}
	token := sign(key, goodHeader, goodClaims(""))
	// One character inside the signature, always changed (the last ones
	// may carry padding bits, or already be what they would be set to).
	i := len(token) - 10
	changed := byte('A')
	if token[i] == 'A' {
		changed = 'B'
	}
	if _, reason := v.decode(token[:i] + string(changed) + token[i+1:]); reason != "BAD_SIGNATURE" {
		t.Errorf("a changed signature: %q", reason)
	}
	for _, bad := range []string{"", "a.b", "a.b.c.d", "!!.e30.AA"} {
		if _, reason := v.decode(bad); reason != "MALFORMED" {
			t.Errorf("%q: %q", bad, reason)
		}
	}
}

// The scanner answers only where encoding/json would answer the same.
func TestFastClaimsAgreeWithEncodingJSON(t *testing.T) {
	docs := []string{goodClaims(""), `{}`, ` { "iss" : "a" , "exp" : -5 } `, `{"exp":9223372036854775808}`,
		`{"exp":1e3}`, `{"exp":true,"sid":{"a":[1,"]}"]},"sub":[{}]}`, `{"s\u0069d":"x"}`, `{"sid":"a\"b"}`,
		`{"sid":"\u00e9"}`, "{\"sid\":\"\xff\"}", `{"iss":null,"aud":false}`, `{"tnt":"t","tnt":1}`, `[]`, `null`,
		`{"a":1}x`, `{"a":`, `"x"`, `{"sid":"é"}`, `{"exp":0}`, `{"exp":-0}`, `{"exp":01}`}
	pieces := []string{`"iss"`, `"aud"`, `"tnt"`, `"sid"`, `"sub"`, `"exp"`, `"x"`, `1`, `-2`, `3.5`, `4e2`, `null`,
		`true`, `"v"`, `"w\n"`, `[1,{"k":"]"}]`, `{}`, `:`, `,`, ` `, "\t"}
	rng := mrand.New(mrand.NewSource(1))
	for i := 0; i < 20000; i++ {
		doc := "{"
		for j := rng.Intn(6); j > 0; j-- {
			doc += pieces[rng.Intn(6)] + ":" + pieces[6+rng.Intn(11)]
			if j > 1 {
				doc += ","
			}
		}
		doc += "}"
		if rng.Intn(4) == 0 {
			at := rng.Intn(len(doc))
			doc = doc[:at] + pieces[rng.Intn(len(pieces))] + doc[at:]
		}
		docs = append(docs, doc)
	}
	agreed := 0
	for _, doc := range docs {
		fast, ok := fastClaims([]byte(doc))
		if !ok {
			continue
		}
		slow, slowOK := slowClaims([]byte(doc))
		if !slowOK || fast != slow {
			t.Fatalf("%s: fast %+v, encoding/json %v %+v", doc, fast, slowOK, slow)
		}
		agreed++
	}
	if agreed < 1000 {
		t.Fatalf("the scanner took only %d documents", agreed)
	}
}

func BenchmarkEd25519Verify(b *testing.B) {
	public, private, _ := ed25519.GenerateKey(rand.Reader)
	message := make([]byte, 300)
	signature := ed25519.Sign(private, message)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ed25519.Verify(public, message, signature)
	}
}

func BenchmarkDecode(b *testing.B) {
	v, key := testVerifier(b)
	token := sign(key, goodHeader, goodClaims(""))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, reason := v.decode(token); reason != "" {
			b.Fatal(reason)
		}
	}
}
