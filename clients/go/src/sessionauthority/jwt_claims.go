package sessionauthority

// Reading an access token's claims. A cold check (a token not seen before)
// costs a signature check and this; reading them through encoding/json into
// a map cost about as much again as the signature, so the tokens the server
// mints (plain keys and strings) are read by a small scanner, and anything
// else takes encoding/json, whose answers the scanner's must equal.

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// claimString is one string claim as the checks see it: present is false
// when absent or null; isString when it is a JSON string (then s is it).
type claimString struct {
	s                 string
	isString, present bool
}

type tokenClaims struct {
	iss, aud, tnt, sid, sub claimString
	exp                     int64
	expInteger              bool // a JSON integer, as Python's json reads it (1e9 and 1.0 are floats)
}

// slowClaims reads any JSON object; ok is false for anything else.
func slowClaims(raw []byte) (tokenClaims, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]interface{}
	if d.Decode(&m) != nil || m == nil {
		return tokenClaims{}, false
	}
	str := func(k string) claimString {
		s, ok := m[k].(string)
		return claimString{s: s, isString: ok, present: m[k] != nil}
	}
	c := tokenClaims{iss: str("iss"), aud: str("aud"), tnt: str("tnt"), sid: str("sid"), sub: str("sub")}
	if n, ok := m["exp"].(json.Number); ok {
		c.exp, c.expInteger = integer(string(n))
	}
	return c, true
}

func integer(n string) (int64, bool) {
	if strings.ContainsAny(n, ".eE") {
		return 0, false
	}
	i, err := strconv.ParseInt(n, 10, 64)
	return i, err == nil
}

// fastClaims reads a JSON object of plain keys; ok is false (leave it to
// slowClaims) for anything else: not JSON, not an object, an escape in a
// key or in a checked claim's string, invalid UTF-8 there.
func fastClaims(raw []byte) (tokenClaims, bool) {
	var c tokenClaims
	if !json.Valid(raw) {
		return c, false
	}
	i := space(raw, 0)
	if raw[i] != '{' {
		return c, false
	}
	i = space(raw, i+1)
	for raw[i] != '}' {
		keyEnd, escaped := stringEnd(raw, i)
		if escaped {
			return c, false
		}
		key := raw[i+1 : keyEnd-1]
		i = space(raw, space(raw, keyEnd)+1) // past the colon
		end := valueEnd(raw, i)
		if !c.set(key, raw[i:end]) {
			return c, false
		}
		if i = space(raw, end); raw[i] == ',' {
			i = space(raw, i+1)
		}
	}
	return c, true
}

// set takes one member; the last of a duplicate key wins, as with a map.
func (c *tokenClaims) set(key, value []byte) bool {
	var field *claimString
	switch string(key) {
	case "iss":
		field = &c.iss
	case "aud":
		field = &c.aud
	case "tnt":
		field = &c.tnt
	case "sid":
		field = &c.sid
	case "sub":
		field = &c.sub
	case "exp":
		c.exp, c.expInteger = 0, false
		if value[0] == '-' || (value[0] >= '0' && value[0] <= '9') {
			c.exp, c.expInteger = integer(string(value))
		}
		return true
	default:
		return true
	}
	switch value[0] {
	case '"':
		text := value[1 : len(value)-1]
		if bytes.IndexByte(text, '\\') >= 0 || !utf8.Valid(text) {
			return false
		}
		*field = claimString{s: string(text), isString: true, present: true}
	case 'n':
		*field = claimString{}
	default:
		*field = claimString{present: true}
	}
	return true
}

// The helpers below read JSON that json.Valid has passed.

func space(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// stringEnd: raw[i] opens a string; the index after its closing quote.
func stringEnd(raw []byte, i int) (end int, escaped bool) {
	for i++; raw[i] != '"'; i++ {
		if raw[i] == '\\' {
			escaped = true
			i++
		}
	}
	return i + 1, escaped
}

// valueEnd: the index after the value that starts at raw[i].
func valueEnd(raw []byte, i int) int {
	switch raw[i] {
	case '"':
		end, _ := stringEnd(raw, i)
		return end
	case '{', '[':
		depth := 0
		for {
			switch raw[i] {
			case '"':
				i, _ = stringEnd(raw, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
	}
	for i < len(raw) && !strings.ContainsRune(",}] \t\n\r", rune(raw[i])) {
		i++
	}
	return i
}
