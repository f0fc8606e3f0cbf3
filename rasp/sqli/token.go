package sqli

// Kind is the lexical class of a token.
type Kind uint8

// The token kinds. Every byte of the input belongs to exactly one token.
const (
	// Invalid covers bytes that start no token of the dialect (control
	// characters) and unterminated strings, quoted identifiers and block
	// comments, which run to the end of the input.
	Invalid Kind = iota
	Whitespace
	// Comment is a line comment ("-- ", "#"), a block comment, or one of the
	// two delimiters of a MySQL version comment ("/*!50000" and its "*/"),
	// whose content is lexed as code, as MySQL runs it.
	Comment
	// Keyword is a word of the keyword table that is not a function name.
	Keyword
	// Function is a word of the table's built-in functions (sleep, concat,
	// version, ...), whether or not a '(' follows.
	Function
	// Identifier is any other bare word.
	Identifier
	// QuotedIdentifier is "ident" (where ".." is not a string), `ident` or [ident].
	QuotedIdentifier
	// String is a complete string literal with its quotes and prefix:
	// '..', "..", N'..', E'..', X'..', B'..', q'[..]', $tag$..$tag$.
	String
	// Number is an integer, decimal, float, hex (0x1F) or binary (0b01) literal.
	Number
	// Operator is an operator made of symbols: = <> != <=> || && :: -> ...
	// (word operators such as AND or LIKE are Keywords).
	Operator
	// Punct is one of ( ) , ; .
	Punct
	// Variable is a placeholder or variable: ?, $1, :name, @var, @@sysvar.
	Variable
	numKinds
)

var kindNames = [numKinds]string{"Invalid", "Whitespace", "Comment", "Keyword", "Function",
	"Identifier", "QuotedIdentifier", "String", "Number", "Operator", "Punct", "Variable"}

// String returns the kind's name.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "Kind(?)"
}

// Token is one lexical token: its kind, its word class (for Keyword,
// Function and Identifier tokens found in the word table) and its byte
// offsets into the tokenized input, so that input[Start:End] is its text.
type Token struct {
	Kind       Kind
	Class      Class
	Start, End int
}

// Text returns the token's text in src, the input it was scanned from.
func (t Token) Text(src string) string { return src[t.Start:t.End] }

// Literal reports whether the token is a literal value: a string, a number
// or a quoted identifier (the tokens whose boundaries user input must not
// cross).
func (t Token) Literal() bool {
	return t.Kind == String || t.Kind == Number || t.Kind == QuotedIdentifier
}
