package transform

// legacyEntity marks, in htmlEntities, the names that HTML decodes without
// a terminating ';' (the HTML 4 Latin-1 names and a few uppercase forms).
const legacyEntity = 1 << 31

// htmlEntities maps HTML character reference names (without '&' and ';') to
// their code point, or'ed with legacyEntity when the ';' is optional. It
// holds the 253 names of HTML 4 and the HTML5 names of ASCII punctuation and
// whitespace that cross-site scripting payloads use to hide "javascript:"
// and parentheses (&colon; &lpar; &Tab; &NewLine; ...). Every entry agrees
// with the HTML5 table, which the tests check against package html.
var htmlEntities = map[string]uint32{
	// HTML 4 markup-significant and Latin-1 names: valid without ';'.
	"quot": legacyEntity | 0x22, "amp": legacyEntity | 0x26, "lt": legacyEntity | 0x3C, "gt": legacyEntity | 0x3E,
	"QUOT": legacyEntity | 0x22, "AMP": legacyEntity | 0x26, "LT": legacyEntity | 0x3C, "GT": legacyEntity | 0x3E,
	"COPY": legacyEntity | 0xA9, "REG": legacyEntity | 0xAE,
	"nbsp": legacyEntity | 0xA0, "iexcl": legacyEntity | 0xA1, "cent": legacyEntity | 0xA2, "pound": legacyEntity | 0xA3,
	"curren": legacyEntity | 0xA4, "yen": legacyEntity | 0xA5, "brvbar": legacyEntity | 0xA6, "sect": legacyEntity | 0xA7,
	"uml": legacyEntity | 0xA8, "copy": legacyEntity | 0xA9, "ordf": legacyEntity | 0xAA, "laquo": legacyEntity | 0xAB,
	"not": legacyEntity | 0xAC, "shy": legacyEntity | 0xAD, "reg": legacyEntity | 0xAE, "macr": legacyEntity | 0xAF,
	"deg": legacyEntity | 0xB0, "plusmn": legacyEntity | 0xB1, "sup2": legacyEntity | 0xB2, "sup3": legacyEntity | 0xB3,
	"acute": legacyEntity | 0xB4, "micro": legacyEntity | 0xB5, "para": legacyEntity | 0xB6, "middot": legacyEntity | 0xB7,
	"cedil": legacyEntity | 0xB8, "sup1": legacyEntity | 0xB9, "ordm": legacyEntity | 0xBA, "raquo": legacyEntity | 0xBB,
	"frac14": legacyEntity | 0xBC, "frac12": legacyEntity | 0xBD, "frac34": legacyEntity | 0xBE, "iquest": legacyEntity | 0xBF,
	"Agrave": legacyEntity | 0xC0, "Aacute": legacyEntity | 0xC1, "Acirc": legacyEntity | 0xC2, "Atilde": legacyEntity | 0xC3,
	"Auml": legacyEntity | 0xC4, "Aring": legacyEntity | 0xC5, "AElig": legacyEntity | 0xC6, "Ccedil": legacyEntity | 0xC7,
	"Egrave": legacyEntity | 0xC8, "Eacute": legacyEntity | 0xC9, "Ecirc": legacyEntity | 0xCA, "Euml": legacyEntity | 0xCB,
	"Igrave": legacyEntity | 0xCC, "Iacute": legacyEntity | 0xCD, "Icirc": legacyEntity | 0xCE, "Iuml": legacyEntity | 0xCF,
	"ETH": legacyEntity | 0xD0, "Ntilde": legacyEntity | 0xD1, "Ograve": legacyEntity | 0xD2, "Oacute": legacyEntity | 0xD3,
	"Ocirc": legacyEntity | 0xD4, "Otilde": legacyEntity | 0xD5, "Ouml": legacyEntity | 0xD6, "times": legacyEntity | 0xD7,
	"Oslash": legacyEntity | 0xD8, "Ugrave": legacyEntity | 0xD9, "Uacute": legacyEntity | 0xDA, "Ucirc": legacyEntity | 0xDB,
	"Uuml": legacyEntity | 0xDC, "Yacute": legacyEntity | 0xDD, "THORN": legacyEntity | 0xDE, "szlig": legacyEntity | 0xDF,
	"agrave": legacyEntity | 0xE0, "aacute": legacyEntity | 0xE1, "acirc": legacyEntity | 0xE2, "atilde": legacyEntity | 0xE3,
	"auml": legacyEntity | 0xE4, "aring": legacyEntity | 0xE5, "aelig": legacyEntity | 0xE6, "ccedil": legacyEntity | 0xE7,
	"egrave": legacyEntity | 0xE8, "eacute": legacyEntity | 0xE9, "ecirc": legacyEntity | 0xEA, "euml": legacyEntity | 0xEB,
	"igrave": legacyEntity | 0xEC, "iacute": legacyEntity | 0xED, "icirc": legacyEntity | 0xEE, "iuml": legacyEntity | 0xEF,
	"eth": legacyEntity | 0xF0, "ntilde": legacyEntity | 0xF1, "ograve": legacyEntity | 0xF2, "oacute": legacyEntity | 0xF3,
	"ocirc": legacyEntity | 0xF4, "otilde": legacyEntity | 0xF5, "ouml": legacyEntity | 0xF6, "divide": legacyEntity | 0xF7,
	"oslash": legacyEntity | 0xF8, "ugrave": legacyEntity | 0xF9, "uacute": legacyEntity | 0xFA, "ucirc": legacyEntity | 0xFB,
	"uuml": legacyEntity | 0xFC, "yacute": legacyEntity | 0xFD, "thorn": legacyEntity | 0xFE, "yuml": legacyEntity | 0xFF,

	// HTML 4 special characters.
	"OElig": 0x152, "oelig": 0x153, "Scaron": 0x160, "scaron": 0x161, "Yuml": 0x178,
	"circ": 0x2C6, "tilde": 0x2DC, "ensp": 0x2002, "emsp": 0x2003, "thinsp": 0x2009,
	"zwnj": 0x200C, "zwj": 0x200D, "lrm": 0x200E, "rlm": 0x200F, "ndash": 0x2013,
	"mdash": 0x2014, "lsquo": 0x2018, "rsquo": 0x2019, "sbquo": 0x201A, "ldquo": 0x201C,
	"rdquo": 0x201D, "bdquo": 0x201E, "dagger": 0x2020, "Dagger": 0x2021, "permil": 0x2030,
	"lsaquo": 0x2039, "rsaquo": 0x203A, "euro": 0x20AC,

	// HTML 4 symbols and Greek letters.
	"fnof":  0x192,
	"Alpha": 0x391, "Beta": 0x392, "Gamma": 0x393, "Delta": 0x394, "Epsilon": 0x395,
	"Zeta": 0x396, "Eta": 0x397, "Theta": 0x398, "Iota": 0x399, "Kappa": 0x39A,
	"Lambda": 0x39B, "Mu": 0x39C, "Nu": 0x39D, "Xi": 0x39E, "Omicron": 0x39F,
	"Pi": 0x3A0, "Rho": 0x3A1, "Sigma": 0x3A3, "Tau": 0x3A4, "Upsilon": 0x3A5,
	"Phi": 0x3A6, "Chi": 0x3A7, "Psi": 0x3A8, "Omega": 0x3A9,
	"alpha": 0x3B1, "beta": 0x3B2, "gamma": 0x3B3, "delta": 0x3B4, "epsilon": 0x3B5,
	"zeta": 0x3B6, "eta": 0x3B7, "theta": 0x3B8, "iota": 0x3B9, "kappa": 0x3BA,
	"lambda": 0x3BB, "mu": 0x3BC, "nu": 0x3BD, "xi": 0x3BE, "omicron": 0x3BF,
	"pi": 0x3C0, "rho": 0x3C1, "sigmaf": 0x3C2, "sigma": 0x3C3, "tau": 0x3C4,
	"upsilon": 0x3C5, "phi": 0x3C6, "chi": 0x3C7, "psi": 0x3C8, "omega": 0x3C9,
	"thetasym": 0x3D1, "upsih": 0x3D2, "piv": 0x3D6,
	"bull": 0x2022, "hellip": 0x2026, "prime": 0x2032, "Prime": 0x2033, "oline": 0x203E,
	"frasl": 0x2044, "weierp": 0x2118, "image": 0x2111, "real": 0x211C, "trade": 0x2122,
	"alefsym": 0x2135, "larr": 0x2190, "uarr": 0x2191, "rarr": 0x2192, "darr": 0x2193,
	"harr": 0x2194, "crarr": 0x21B5, "lArr": 0x21D0, "uArr": 0x21D1, "rArr": 0x21D2,
	"dArr": 0x21D3, "hArr": 0x21D4, "forall": 0x2200, "part": 0x2202, "exist": 0x2203,
	"empty": 0x2205, "nabla": 0x2207, "isin": 0x2208, "notin": 0x2209, "ni": 0x220B,
	"prod": 0x220F, "sum": 0x2211, "minus": 0x2212, "lowast": 0x2217, "radic": 0x221A,
	"prop": 0x221D, "infin": 0x221E, "ang": 0x2220, "and": 0x2227, "or": 0x2228,
	"cap": 0x2229, "cup": 0x222A, "int": 0x222B, "there4": 0x2234, "sim": 0x223C,
	"cong": 0x2245, "asymp": 0x2248, "ne": 0x2260, "equiv": 0x2261, "le": 0x2264,
	"ge": 0x2265, "sub": 0x2282, "sup": 0x2283, "nsub": 0x2284, "sube": 0x2286,
	"supe": 0x2287, "oplus": 0x2295, "otimes": 0x2297, "perp": 0x22A5, "sdot": 0x22C5,
	"lceil": 0x2308, "rceil": 0x2309, "lfloor": 0x230A, "rfloor": 0x230B, "lang": 0x27E8,
	"rang": 0x27E9, "loz": 0x25CA, "spades": 0x2660, "clubs": 0x2663, "hearts": 0x2665,
	"diams": 0x2666,

	// HTML5 names of ASCII punctuation and whitespace.
	"Tab": 0x09, "NewLine": 0x0A, "excl": 0x21, "num": 0x23, "dollar": 0x24,
	"percnt": 0x25, "apos": 0x27, "lpar": 0x28, "rpar": 0x29, "ast": 0x2A,
	"midast": 0x2A, "plus": 0x2B, "comma": 0x2C, "period": 0x2E, "sol": 0x2F,
	"colon": 0x3A, "semi": 0x3B, "equals": 0x3D, "quest": 0x3F, "commat": 0x40,
	"lsqb": 0x5B, "lbrack": 0x5B, "bsol": 0x5C, "rsqb": 0x5D, "rbrack": 0x5D,
	"Hat": 0x5E, "lowbar": 0x5F, "UnderBar": 0x5F, "grave": 0x60, "DiacriticalGrave": 0x60,
	"lcub": 0x7B, "lbrace": 0x7B, "verbar": 0x7C, "vert": 0x7C, "VerticalLine": 0x7C,
	"rcub": 0x7D, "rbrace": 0x7D, "NonBreakingSpace": 0xA0, "half": 0xBD, "centerdot": 0xB7,
	"hyphen": 0x2010, "dash": 0x2010, "ZeroWidthSpace": 0x200B, "NoBreak": 0x2060,
}
