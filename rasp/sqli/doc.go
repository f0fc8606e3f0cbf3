// Package sqli lexes SQL in the dialects of the common databases, as the
// base of SQL-injection detection: the WAF's is_sqli operator judges request
// values with Detect, and the RASP check compares the structure of a
// statement with the request input found in it.
//
// Tokenize (or a Scanner) turns a statement into tokens that tile the input
// exactly: every byte belongs to one token, whitespace included, and each
// token carries byte offsets into the original text, so a caller can tell
// whether an input's span falls inside one literal or crosses token
// boundaries. Literal tokens (strings, numbers, quoted identifiers) include
// their quotes and prefixes, so their boundaries are the literal's own.
// Words are classified by one table of keywords and functions (Lookup,
// Class).
//
// # Dialects
//
// The lexical differences handled:
//
//   - MySQL and MariaDB: '..' and ".." are strings with backslash escapes
//     and doubled quotes; `ident`; '#' line comments; "--" starts a comment
//     only before a space, a control character or the end; /*!50000 ... */
//     version comments, whose content is lexed as code (their delimiters are
//     Comment tokens); @var and @@sysvar.
//   - PostgreSQL: '..' without backslash escapes (standard_conforming_strings
//     on); E'..' with them; $tag$...$tag$ dollar quoting; nested /* /* */ */
//     comments; "ident"; $1 placeholders; '#' and '@' are operators; '::' casts.
//   - SQLite: '..' strings; "ident", [ident] and `ident`; ?, ?1, :name, @name,
//     $name parameters.
//   - SQL Server: [ident] with ]] escapes; N'..'; nested comments; @var, @@var.
//   - Oracle: q'[...]' alternative quoting (any delimiter, with [ ( { <
//     paired) and nq'..'; N'..'; "ident"; :name binds; '$' inside names.
//   - Generic, for an unknown database: MySQL's rules, except that "--"
//     always starts a comment, plus :name and $1 placeholders.
//
// X'..' and B'..' literals are strings in every dialect.
//
// # Injection check
//
// Check(d, statement, inputs) decides, for each input found verbatim in
// the statement, whether it changed the statement's structure. Inputs of
// any length are judged (there is no minimum length): the decision comes
// from the tokens the occurrence covers, so a 1–3 byte input is an exploit
// only when it does what it alone can do to the statement — end a literal
// and open a comment or literal that swallows the application's quote
// ('--, '#, ')#, '/*, '='), open or complete a comment that swallows
// application text (1#, "-" written after an application's "-"), add a ';'
// after a value with more application text after it (1;), or break a
// statement that lexes without it (a lone quote or backslash). Words,
// numbers, one symbol, placeholders and the application's own delimiters
// are benign ("1" in WHERE id = 1, "a" in LIKE '%a%', "?" or "*").
//
// Values that applications pass with several tokens are benign where their
// clause asks for them: sort lists after ORDER BY (name DESC, u.name ASC
// NULLS LAST, 2), row counts after LIMIT (10 OFFSET 20; MySQL's 20, 10),
// and lists of literals inside IN (...) (1,2,3; 'a','b'; a','b inside the
// application's quotes) that do not close the parenthesis. The same tokens
// elsewhere (a number list in VALUES, ASC after a comparison) are reported.
//
// Comments: an input strictly inside a comment the application wrote is
// benign ("SELECT 1 -- note: <input>", whatever the input holds), except
// that in PostgreSQL and SQL Server, whose block comments nest, an input
// that opens or closes a nested block comment changes where the
// application's comment ends and is reported.
//
// Statements that do not lex (an unterminated literal, quoted identifier
// or block comment, or a control byte outside literals) are decided by
// lexing the statement again with the occurrence blanked out: if that
// lexes, the input broke the statement and is reported; if it does not,
// the application's own text is broken (the database rejects it whatever
// the input) and an occurrence inside the broken region is benign, while
// one before it is judged as usual. At most MaxRelex relexings are done
// per check; past them an occurrence is reported rather than exempted.
//
// # Values on their own
//
// Detect(value) decides whether a value, with no statement to compare it
// with, reads as an injection: the WAF's is_sqli operator runs it on request
// values. It lexes the value (Generic dialect) as if it stood unquoted and
// after each quote, parses what follows under a small permissive grammar of
// SQL fragments, and scores the structure found (tautologies, logic
// operators, calls, subqueries, catalogs, statements, comments used as
// terminators), so that prose which happens to parse stays below the
// threshold.
//
// # Limits
//
// Tokenize never fails: control bytes, unterminated strings, quoted
// identifiers and block comments become Invalid tokens (the unterminated
// ones run to the end of the input), as go/scanner does. It runs in linear
// time, and stops at MaxTokens tokens, lumping the rest into one Invalid
// token. Known gaps: MySQL's sql_mode options (ANSI_QUOTES,
// NO_BACKSLASH_ESCAPES) and PostgreSQL with standard_conforming_strings off
// are not modelled; identifiers that begin with digits (MySQL "1abc") lex as
// a number and a word; PostgreSQL U&'..' strings and custom operators made of
// arbitrary symbol runs lex as smaller operators; charset introducers
// (_utf8'..') are a word followed by a string; a '$' in a PostgreSQL
// identifier next to a dollar-quote tag follows PostgreSQL only roughly.
package sqli
