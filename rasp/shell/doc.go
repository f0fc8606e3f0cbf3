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
// Check looks for each input in the command line (every occurrence; an
// input with blanks or newlines at its ends that does not occur as is is
// looked for without them). An occurrence, blanks at its ends ignored, is
// judged by the tokens it covers. It is benign when it stays inside one
// word: word text, quoted text and quotes (quotes toggled inside the word
// are data as long as no blank, operator or expansion comes out of it), the
// fd number of a redirection without its operator, part of a parameter
// name that is neither the '$' nor the whole name, a number inside the
// application's $((...)) (a name there is evaluated, so it counts), or text
// strictly inside the application's own # comment (the '#' is not the
// input's, so nothing after it runs; not after a << here-document operator,
// whose body is expanded and has no comments). It is
// reported when it spans blanks (adds words), adds an operator,
// redirection, newline, comment, substitution, parameter expansion or
// unquoted {a,b} brace expansion, leaves a quoted string open to the end of
// the line, ends with a backslash that escapes the application's next byte,
// or touches malformed text. An occurrence strictly inside a $(...), `...`
// or process substitution written by the application is judged against
// that substitution's own command line, and so is one strictly inside a
// quoted word that a shell of the same simple command runs as its script
// (sh -c '...', sudo bash -lc "...", bash -c -- '...': the first operand
// after an option cluster holding c, a shell name within a few words
// before), since that text is parsed again.
//
// # Lengths
//
// There is no minimum length constant: the grammar decides. Two bytes are
// enough to be reported (";w", "|w", "&&", "||", "$(", ">f", "#x" at the
// start of a word, "x'" closing the application's quote, "\nw"). An
// occurrence of one byte (blanks aside) is never reported: one byte is a
// separator or a command but not both, and a lone ';', '|', '&', '#',
// quote or newline is indistinguishable from the application's own. One-
// and two-byte inputs inside a word (a digit, "sh", "-c", a file name's
// letters) are benign like any other word text.
//
// # Argument lists
//
// CheckArgs judges a command line given as a list of words that the shell
// runs joined by single spaces (a spawn with a shell): the joined line is
// judged as by Check, and an occurrence that covers the space between two
// elements is reported, since the application wrote them as separate words.
// CheckRange judges a span of a command line that a caller knows the
// request controlled (the decoded part of an encoded script).
//
// # Cost
//
// With no input occurring, Check and CheckArgs do not allocate. A command
// line is tokenized once per check (pooled tokens). Each occurrence is
// located among the tokens by binary search and costs the tokens at its
// ends; the tokens between are judged at once by prefix counts (built on
// the first occurrence that covers more than a few). Later occurrences in
// the same word, quoted text or comment, whose verdict is the same, are
// skipped; a long input's later occurrences are found by one KMP scan; a
// substitution's own line is tokenized once. The work per input is thus
// about O(n + k log n) for a line of n bytes with k judged occurrences.
// Measured worst cases on a 4 KB line (BenchmarkCheckWorst): about 0.1 ms
// for a long periodic input across 1,400 quoted strings, tens of µs for
// the others.
//
// # Known limits
//
//   - Pathname expansion (* ? [ in an unquoted word) and tilde expansion
//     are not reported: they may turn one word into several file names.
//   - Here-document bodies are tokenized as command text, not as data.
//   - A nested script is followed only when its quoted word is one plain
//     string (no expansion inside) and its shell is named by a plain word;
//     eval, xargs sh -c and scripts built by other programs are not.
//   - Reserved words ({ } if then ...) are ordinary words; an input that is
//     only a reserved word, or only the command name of a simple command,
//     inside one word is not reported (see package rasp/cmdi for the
//     program of an argv and for a whole script chosen by the input).
//   - An input whose quote swaps with the application's (x' 'y inside
//     '...') but adds no blank, operator or expansion is not reported even
//     when the string it leaves open is closed later by the application's
//     quote; only a string left open to the end of the line is.
//   - A one-byte input is never reported, so a lone '#' that comments out
//     the application's trailing words, or a lone quote that pairs with
//     another input's, is not seen from that input alone.
//   - Text inside ${name:-word} and other ${...} forms counts as the
//     expansion: an input there is reported unless it is part of the name.
//   - Aliases, functions and the program that receives the words (an input
//     that is a whole word naming a dangerous option) are out of scope: see
//     package rasp/cmdi for argv checks.
//   - Windows cmd.exe syntax is not modelled here.
package shell
