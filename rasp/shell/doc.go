// Package shell tokenizes POSIX shell command lines and checks whether a
// request input changed the structure of one: the command-injection test of
// the RASP, for code that runs a command line through sh -c.
//
// Tokenize splits a command line into tokens that tile it exactly (every
// byte in one token, blanks included) with byte offsets: words with their
// backslash escapes, quoted strings split into opening quote, text and
// closing quote ('...', "..." and $'...'), command, arithmetic and process
// substitutions ($(...), $((...)), `...`, <(...), >(...)) and parameter
// expansions (${...}, $name, $1, $?) as single tokens, control operators
// (; ;; ;& & && | || |& ( )), redirections with their fd numbers (< > >>
// << <<- <<< <> >& <& >| &> &>>), newlines and comments. It never fails:
// unterminated substitutions, text past MaxTokens tokens and nesting deeper
// than MaxDepth become one Invalid token to the end.
//
// # Rules
//
// Check finds each input (at least MinInput bytes) in the command line. An
// occurrence, blanks at its ends ignored, is benign when it stays inside one
// word: it covers only word text, quoted text and quotes. Quotes toggled
// inside the word are data as long as no blank, operator or expansion comes
// out of it. It counts as an injection when it spans blanks (adds words),
// adds an operator, redirection, newline, comment, substitution, parameter
// expansion or unquoted {a,b} brace expansion, leaves a quoted string open
// to the end of the line, ends with a backslash that escapes the
// application's next byte, or touches malformed text. An occurrence
// strictly inside a $(...), `...` or process substitution written by the
// application is judged against that substitution's own command line; one
// inside $((...)) counts.
//
// # Known limits
//
//   - Pathname expansion (* ? [ in an unquoted word) and tilde expansion
//     are not reported: they may turn one word into several file names.
//   - Here-document bodies are tokenized as command text, not as data.
//   - Reserved words ({ } if then ...) are ordinary words; an input that is
//     only a reserved word inside one word is not reported.
//   - An input whose quote swaps with the application's (x' 'y inside
//     '...') but adds no blank, operator or expansion is not reported even
//     when the string it leaves open is closed later by the application's
//     quote; only a string left open to the end of the line is.
//   - Aliases, functions and the program that receives the words (an input
//     that is a whole word naming a dangerous option) are out of scope: see
//     package rasp/cmdi for argv checks.
//   - Windows cmd.exe syntax is not modelled here.
package shell
