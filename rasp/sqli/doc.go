// Package sqli lexes SQL in the dialects of the common databases, as the
// base of SQL-injection detection: the WAF's is_sqli operator lexes request
// values with it, and the RASP check compares the structure of a statement
// with the request input found in it.
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
