/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reads a Xiaomi flash_all*.sh as data. A small POSIX-shell parser builds a
 * syntax tree (words with quotes, $VAR, `…` and $(…), pipelines, && ||,
 * if/then/else/fi, { …; }, functions); a recognizer then maps the tree onto
 * the statement forms Xiaomi's scripts use (xiaomi-rom-format.md §2.1) and
 * keeps symbolic values for the few variables they compute (anti-rollback
 * versions, dates, the script's folder). Anything else is refused.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-rom-error.h"
#include "ub-script-builder.h"
#include "ub-script-readers.h"

/* ---- syntax tree ---------------------------------------------------------- */

typedef struct _Node Node;

typedef enum { PART_LIT, PART_VAR, PART_CMD } PartKind;

typedef struct {
  PartKind  kind;
  char     *text;   /* LIT: the characters; VAR: the name ("*", "@", "?", "0", "X") */
  Node     *cmd;    /* CMD: the parsed command substitution */
} Part;

typedef struct {
  GPtrArray *parts;   /* of Part */
  gboolean   quoted;  /* some part was quoted (so "" is a word) */
} Word;

typedef enum {
  NODE_SIMPLE, NODE_PIPELINE, NODE_AND, NODE_OR, NODE_IF, NODE_GROUP, NODE_FUNC, NODE_LIST,
} NodeKind;

struct _Node {
  NodeKind   kind;
  guint      line;
  GPtrArray *words;     /* SIMPLE: of Word */
  GPtrArray *redirs;    /* SIMPLE: of char * ("2>&1", ">/dev/null") */
  GPtrArray *children;  /* PIPELINE, LIST: of Node; IF: cond, body, [else] */
  gboolean   has_else;
  Node      *left;      /* AND, OR */
  Node      *right;
  char      *name;      /* FUNC */
  Node      *body;      /* FUNC, GROUP */
};

static void node_free (Node *node);

static void
part_free (Part *part)
{
  g_free (part->text);
  if (part->cmd != NULL)
    node_free (part->cmd);
  g_free (part);
}

static void
word_free (Word *word)
{
  g_ptr_array_unref (word->parts);
  g_free (word);
}

static Word *
word_new (void)
{
  Word *word = g_new0 (Word, 1);
  word->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);
  return word;
}

static Node *
node_new (NodeKind kind,
          guint    line)
{
  Node *node = g_new0 (Node, 1);

  node->kind = kind;
  node->line = line;
  if (kind == NODE_SIMPLE)
    {
      node->words = g_ptr_array_new_with_free_func ((GDestroyNotify) word_free);
      node->redirs = g_ptr_array_new_with_free_func (g_free);
    }
  if (kind == NODE_PIPELINE || kind == NODE_LIST || kind == NODE_IF)
    node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  return node;
}

static void
node_free (Node *node)
{
  if (node == NULL)
    return;
  g_clear_pointer (&node->words, g_ptr_array_unref);
  g_clear_pointer (&node->redirs, g_ptr_array_unref);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  node_free (node->left);
  node_free (node->right);
  node_free (node->body);
  g_free (node->name);
  g_free (node);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Word, word_free)

/* ---- lexer ---------------------------------------------------------------- */

typedef enum {
  TOK_WORD, TOK_NEWLINE, TOK_SEMI, TOK_PIPE, TOK_AND_IF, TOK_OR_IF, TOK_AMP,
  TOK_LPAREN, TOK_RPAREN, TOK_REDIR, TOK_EOF,
} TokKind;

typedef struct {
  TokKind  kind;
  guint    line;
  Word    *word;   /* TOK_WORD */
  char    *text;   /* TOK_WORD: the source text; TOK_REDIR: the redirection */
} Tok;

static void
tok_free (Tok *tok)
{
  if (tok->word != NULL)
    word_free (tok->word);
  g_free (tok->text);
  g_free (tok);
}

typedef struct {
  const char  *name;     /* script name for messages */
  char       **lines;    /* the script's lines, for messages */
  const char  *s;
  gsize        pos;
  gsize        len;
  guint        line;
  GError     **error;
} Lexer;

static Node *parse_script (const char *name, char **lines, const char *text, guint first_line,
                           GError **error);

static const char *
source_line (char  **lines,
             guint   line)
{
  if (lines == NULL || line == 0 || line > g_strv_length (lines))
    return "";
  return g_strstrip (lines[line - 1]) ;
}

static gboolean
lex_fail (Lexer      *lx,
          const char *why)
{
  ub_script_error (lx->error, lx->name, lx->line, source_line (lx->lines, lx->line), why);
  return FALSE;
}

static gboolean
is_meta (char c)
{
  return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '|' || c == '&' ||
         c == '(' || c == ')' || c == '<' || c == '>';
}

static void
flush_lit (Word    *word,
           GString *lit)
{
  Part *part;

  if (lit->len == 0)
    return;
  part = g_new0 (Part, 1);
  part->kind = PART_LIT;
  part->text = g_strndup (lit->str, lit->len);
  g_ptr_array_add (word->parts, part);
  g_string_truncate (lit, 0);
}

static void
add_var (Word       *word,
         const char *name,
         gsize       len)
{
  Part *part = g_new0 (Part, 1);

  part->kind = PART_VAR;
  part->text = g_strndup (name, len);
  g_ptr_array_add (word->parts, part);
}

static gboolean
add_cmd (Lexer      *lx,
         Word       *word,
         const char *inner,
         guint       line)
{
  Part *part;
  Node *cmd = parse_script (lx->name, lx->lines, inner, line, lx->error);

  if (cmd == NULL)
    return FALSE;
  part = g_new0 (Part, 1);
  part->kind = PART_CMD;
  part->cmd = cmd;
  g_ptr_array_add (word->parts, part);
  return TRUE;
}

/* After "$(": the text up to the matching ")". */
static gboolean
lex_dollar_paren (Lexer *lx,
                  Word  *word)
{
  gsize start = lx->pos;
  guint line = lx->line;
  int depth = 1;
  char quote = 0;
  g_autofree char *inner = NULL;

  if (lx->pos < lx->len && lx->s[lx->pos] == '(')
    return lex_fail (lx, _("arithmetic is not supported"));
  while (lx->pos < lx->len)
    {
      char c = lx->s[lx->pos];

      if (c == '\n')
        lx->line++;
      if (quote != 0)
        {
          if (c == quote)
            quote = 0;
          else if (c == '\\' && quote == '"')
            lx->pos++;
        }
      else if (c == '\'' || c == '"' || c == '`')
        quote = c == '`' ? 0 : c;
      else if (c == '\\')
        lx->pos++;
      else if (c == '(')
        depth++;
      else if (c == ')' && --depth == 0)
        break;
      lx->pos++;
    }
  if (depth != 0)
    return lex_fail (lx, _("a “$(” is never closed"));
  inner = g_strndup (lx->s + start, lx->pos - start);
  lx->pos++;
  return add_cmd (lx, word, inner, line);
}

/* After "`": the text up to the closing backquote, unescaped. */
static gboolean
lex_backquote (Lexer *lx,
               Word  *word)
{
  g_autoptr(GString) inner = g_string_new (NULL);
  guint line = lx->line;

  while (lx->pos < lx->len && lx->s[lx->pos] != '`')
    {
      char c = lx->s[lx->pos];

      if (c == '\\' && lx->pos + 1 < lx->len && strchr ("`\\$", lx->s[lx->pos + 1]) != NULL)
        {
          c = lx->s[++lx->pos];
        }
      if (c == '\n')
        lx->line++;
      g_string_append_c (inner, c);
      lx->pos++;
    }
  if (lx->pos >= lx->len)
    return lex_fail (lx, _("a backquote is never closed"));
  lx->pos++;
  return add_cmd (lx, word, inner->str, line);
}

/* After "$". */
static gboolean
lex_dollar (Lexer   *lx,
            Word    *word,
            GString *lit)
{
  char c = lx->pos < lx->len ? lx->s[lx->pos] : '\0';

  if (c == '(')
    {
      flush_lit (word, lit);
      lx->pos++;
      return lex_dollar_paren (lx, word);
    }
  if (c == '{')
    {
      gsize start = ++lx->pos;
      while (lx->pos < lx->len && (g_ascii_isalnum (lx->s[lx->pos]) || lx->s[lx->pos] == '_'))
        lx->pos++;
      if (lx->pos >= lx->len || lx->s[lx->pos] != '}' || lx->pos == start)
        {
          /* TRANSLATORS: keep ${…}: shell syntax */
          return lex_fail (lx, _("this ${…} form is not supported"));
        }
      flush_lit (word, lit);
      add_var (word, lx->s + start, lx->pos - start);
      lx->pos++;
      return TRUE;
    }
  if (c == '*' || c == '@' || c == '?' || c == '#' || g_ascii_isdigit (c))
    {
      flush_lit (word, lit);
      add_var (word, lx->s + lx->pos, 1);
      lx->pos++;
      return TRUE;
    }
  if (g_ascii_isalpha (c) || c == '_')
    {
      gsize start = lx->pos;
      while (lx->pos < lx->len && (g_ascii_isalnum (lx->s[lx->pos]) || lx->s[lx->pos] == '_'))
        lx->pos++;
      flush_lit (word, lit);
      add_var (word, lx->s + start, lx->pos - start);
      return TRUE;
    }
  g_string_append_c (lit, '$');
  return TRUE;
}

static Tok *
tok_new (TokKind kind,
         guint   line)
{
  Tok *tok = g_new0 (Tok, 1);
  tok->kind = kind;
  tok->line = line;
  return tok;
}

/* After "$" or "`", inside double quotes or not. */
static gboolean
lex_expansion (Lexer   *lx,
               Word    *word,
               GString *lit,
               char     c)
{
  if (c == '$')
    return lex_dollar (lx, word, lit);
  flush_lit (word, lit);
  return lex_backquote (lx, word);
}

static gboolean
lex_word (Lexer     *lx,
          GPtrArray *toks)
{
  g_autoptr(Word) word = word_new ();
  g_autoptr(GString) lit = g_string_new (NULL);
  gsize start = lx->pos;
  guint line = lx->line;
  Tok *tok;

  while (lx->pos < lx->len && !is_meta (lx->s[lx->pos]))
    {
      char c = lx->s[lx->pos++];

      if (c == '\\')
        {
          if (lx->pos < lx->len && lx->s[lx->pos] == '\n')
            {
              lx->pos++;
              lx->line++;
              continue;
            }
          if (lx->pos < lx->len)
            g_string_append_c (lit, lx->s[lx->pos++]);
        }
      else if (c == '\'')
        {
          word->quoted = TRUE;
          while (lx->pos < lx->len && lx->s[lx->pos] != '\'')
            {
              if (lx->s[lx->pos] == '\n')
                lx->line++;
              g_string_append_c (lit, lx->s[lx->pos++]);
            }
          if (lx->pos >= lx->len)
            return lex_fail (lx, _("a quote is never closed"));
          lx->pos++;
        }
      else if (c == '"')
        {
          word->quoted = TRUE;
          while (lx->pos < lx->len && lx->s[lx->pos] != '"')
            {
              char d = lx->s[lx->pos++];

              if (d == '\\' && lx->pos < lx->len && strchr ("$`\"\\\n", lx->s[lx->pos]) != NULL)
                {
                  d = lx->s[lx->pos++];
                  if (d == '\n')
                    {
                      lx->line++;
                      continue;
                    }
                  g_string_append_c (lit, d);
                }
              else if (d == '$' || d == '`')
                {
                  if (!lex_expansion (lx, word, lit, d))
                    return FALSE;
                }
              else
                {
                  if (d == '\n')
                    lx->line++;
                  g_string_append_c (lit, d);
                }
            }
          if (lx->pos >= lx->len)
            return lex_fail (lx, _("a quote is never closed"));
          lx->pos++;
        }
      else if (c == '$' || c == '`')
        {
          if (!lex_expansion (lx, word, lit, c))
            return FALSE;
        }
      else
        g_string_append_c (lit, c);
    }
  flush_lit (word, lit);
  tok = tok_new (TOK_WORD, line);
  tok->word = g_steal_pointer (&word);
  tok->text = g_strndup (lx->s + start, lx->pos - start);
  g_ptr_array_add (toks, tok);
  return TRUE;
}

static GPtrArray *
lex (Lexer *lx)
{
  g_autoptr(GPtrArray) toks = g_ptr_array_new_with_free_func ((GDestroyNotify) tok_free);

  while (lx->pos < lx->len)
    {
      char c = lx->s[lx->pos];
      const char *rest = lx->s + lx->pos;

      if (c == ' ' || c == '\t')
        {
          lx->pos++;
          continue;
        }
      if (c == '\\' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '\n')
        {
          lx->pos += 2;
          lx->line++;
          continue;
        }
      if (c == '#')
        {
          while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
            lx->pos++;
          continue;
        }
      if (c == '\n')
        {
          g_ptr_array_add (toks, tok_new (TOK_NEWLINE, lx->line));
          lx->line++;
          lx->pos++;
          continue;
        }
      if (g_str_has_prefix (rest, "||") || g_str_has_prefix (rest, "&&"))
        {
          g_ptr_array_add (toks, tok_new (c == '|' ? TOK_OR_IF : TOK_AND_IF, lx->line));
          lx->pos += 2;
          continue;
        }
      if (c == ';' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == ';')
        {
          lex_fail (lx, _("“case” is not supported"));
          return NULL;
        }
      if (c == ';' || c == '|' || c == '&' || c == '(' || c == ')')
        {
          TokKind kind = c == ';' ? TOK_SEMI : c == '|' ? TOK_PIPE : c == '&' ? TOK_AMP :
                         c == '(' ? TOK_LPAREN : TOK_RPAREN;
          g_ptr_array_add (toks, tok_new (kind, lx->line));
          lx->pos++;
          continue;
        }
      /* redirections: [n]>&m, [n]>file, [n]>>file, [n]<file */
      {
        gsize p = lx->pos;
        while (p < lx->len && g_ascii_isdigit (lx->s[p]))
          p++;
        if (p < lx->len && (lx->s[p] == '>' || lx->s[p] == '<') && p - lx->pos <= 1)
          {
            g_autoptr(GString) text = g_string_new_len (lx->s + lx->pos, p - lx->pos);
            Tok *tok;

            g_string_append_c (text, lx->s[p++]);
            if (p < lx->len && lx->s[p] == '>')
              g_string_append_c (text, lx->s[p++]);
            if (p < lx->len && lx->s[p] == '&')
              {
                g_string_append_c (text, lx->s[p++]);
                while (p < lx->len && (g_ascii_isdigit (lx->s[p]) || lx->s[p] == '-'))
                  g_string_append_c (text, lx->s[p++]);
              }
            else
              {
                while (p < lx->len && (lx->s[p] == ' ' || lx->s[p] == '\t'))
                  p++;
                while (p < lx->len && !is_meta (lx->s[p]))
                  g_string_append_c (text, lx->s[p++]);
              }
            tok = tok_new (TOK_REDIR, lx->line);
            tok->text = g_string_free (g_steal_pointer (&text), FALSE);
            g_ptr_array_add (toks, tok);
            lx->pos = p;
            continue;
          }
      }
      if (!lex_word (lx, toks))
        return NULL;
    }
  g_ptr_array_add (toks, tok_new (TOK_EOF, lx->line));
  return g_steal_pointer (&toks);
}

/* ---- parser --------------------------------------------------------------- */

typedef struct {
  const char  *name;
  char       **lines;
  GPtrArray   *toks;
  guint        i;
  GError     **error;
} Parser;

static Tok *
peek (Parser *ps)
{
  return g_ptr_array_index (ps->toks, ps->i);
}

static gboolean
parse_fail (Parser     *ps,
            guint       line,
            const char *why)
{
  ub_script_error (ps->error, ps->name, line, source_line (ps->lines, line), why);
  return FALSE;
}

/* A word that is a plain literal (for reserved words). */
static gboolean
tok_is (Tok        *tok,
        const char *literal)
{
  return tok->kind == TOK_WORD && !tok->word->quoted && g_strcmp0 (tok->text, literal) == 0;
}

static gboolean
tok_is_reserved (Tok *tok)
{
  static const char *const reserved[] = {
    "if", "then", "else", "elif", "fi", "{", "}", "!", "for", "while", "until", "case", "esac",
    "do", "done", "function", "select", "[[", NULL
  };
  return tok->kind == TOK_WORD && !tok->word->quoted && g_strv_contains (reserved, tok->text);
}

static void
skip_newlines (Parser *ps)
{
  while (peek (ps)->kind == TOK_NEWLINE)
    ps->i++;
}

static Node *parse_list (Parser *ps, const char *const *stops);

static Node *
parse_simple (Parser *ps)
{
  g_autoptr(Node) node = node_new (NODE_SIMPLE, peek (ps)->line);

  for (;;)
    {
      Tok *tok = peek (ps);

      if (tok->kind == TOK_WORD && (node->words->len > 0 || !tok_is_reserved (tok)))
        {
          g_ptr_array_add (node->words, g_steal_pointer (&tok->word));
          tok->word = word_new ();
          ps->i++;
        }
      else if (tok->kind == TOK_REDIR)
        {
          g_ptr_array_add (node->redirs, g_strdup (tok->text));
          ps->i++;
        }
      else
        break;
    }
  if (node->words->len == 0 && node->redirs->len == 0)
    {
      parse_fail (ps, peek (ps)->line, _("this shell syntax is not supported"));
      return NULL;
    }
  return g_steal_pointer (&node);
}

static gboolean
expect_word (Parser     *ps,
             const char *word)
{
  if (!tok_is (peek (ps), word))
    {
      g_autofree char *why = g_strdup_printf (_("expected “%s” here"), word);
      return parse_fail (ps, peek (ps)->line, why);
    }
  ps->i++;
  return TRUE;
}

static Node *
parse_if (Parser *ps)
{
  static const char *const then_stop[] = { "then", NULL };
  static const char *const body_stop[] = { "else", "elif", "fi", NULL };
  static const char *const else_stop[] = { "fi", NULL };
  g_autoptr(Node) node = node_new (NODE_IF, peek (ps)->line);
  Node *part;

  ps->i++;  /* if */
  if ((part = parse_list (ps, then_stop)) == NULL)
    return NULL;
  g_ptr_array_add (node->children, part);
  if (!expect_word (ps, "then"))
    return NULL;
  if ((part = parse_list (ps, body_stop)) == NULL)
    return NULL;
  g_ptr_array_add (node->children, part);
  if (tok_is (peek (ps), "elif"))
    {
      parse_fail (ps, peek (ps)->line, _("“elif” is not supported"));
      return NULL;
    }
  if (tok_is (peek (ps), "else"))
    {
      ps->i++;
      if ((part = parse_list (ps, else_stop)) == NULL)
        return NULL;
      g_ptr_array_add (node->children, part);
      node->has_else = TRUE;
    }
  if (!expect_word (ps, "fi"))
    return NULL;
  return g_steal_pointer (&node);
}

static Node *
parse_group (Parser *ps)
{
  static const char *const stop[] = { "}", NULL };
  g_autoptr(Node) node = node_new (NODE_GROUP, peek (ps)->line);

  ps->i++;  /* { */
  if ((node->body = parse_list (ps, stop)) == NULL)
    return NULL;
  if (!expect_word (ps, "}"))
    return NULL;
  return g_steal_pointer (&node);
}

static Node *
parse_command (Parser *ps)
{
  Tok *tok = peek (ps);

  if (tok_is (tok, "if"))
    return parse_if (ps);
  if (tok_is (tok, "{"))
    return parse_group (ps);
  if (tok_is (tok, "function") ||
      (tok->kind == TOK_WORD && !tok_is_reserved (tok) &&
       ps->i + 2 < ps->toks->len &&
       ((Tok *) g_ptr_array_index (ps->toks, ps->i + 1))->kind == TOK_LPAREN &&
       ((Tok *) g_ptr_array_index (ps->toks, ps->i + 2))->kind == TOK_RPAREN))
    {
      g_autoptr(Node) node = node_new (NODE_FUNC, tok->line);

      if (tok_is (tok, "function"))
        ps->i++;
      tok = peek (ps);
      if (tok->kind != TOK_WORD)
        {
          parse_fail (ps, tok->line, _("a function without a name"));
          return NULL;
        }
      node->name = g_strdup (tok->text);
      ps->i++;
      if (peek (ps)->kind == TOK_LPAREN)
        {
          ps->i++;
          if (peek (ps)->kind != TOK_RPAREN)
            {
              parse_fail (ps, tok->line, _("this shell syntax is not supported"));
              return NULL;
            }
          ps->i++;
        }
      skip_newlines (ps);
      if (!tok_is (peek (ps), "{"))
        {
          parse_fail (ps, tok->line, _("a function body must be in { }"));
          return NULL;
        }
      if ((node->body = parse_group (ps)) == NULL)
        return NULL;
      return g_steal_pointer (&node);
    }
  if (tok_is_reserved (tok))
    {
      g_autofree char *why = g_strdup_printf (_("“%s” is not supported"), tok->text);
      parse_fail (ps, tok->line, why);
      return NULL;
    }
  if (tok->kind == TOK_LPAREN)
    {
      parse_fail (ps, tok->line, _("subshells are not supported"));
      return NULL;
    }
  return parse_simple (ps);
}

static Node *
parse_pipeline (Parser *ps)
{
  g_autoptr(Node) first = parse_command (ps);
  g_autoptr(Node) pipe = NULL;

  if (first == NULL)
    return NULL;
  if (peek (ps)->kind != TOK_PIPE)
    return g_steal_pointer (&first);
  pipe = node_new (NODE_PIPELINE, first->line);
  g_ptr_array_add (pipe->children, g_steal_pointer (&first));
  while (peek (ps)->kind == TOK_PIPE)
    {
      Node *next;

      ps->i++;
      skip_newlines (ps);
      if ((next = parse_command (ps)) == NULL)
        return NULL;
      g_ptr_array_add (pipe->children, next);
    }
  return g_steal_pointer (&pipe);
}

static Node *
parse_and_or (Parser *ps)
{
  g_autoptr(Node) left = parse_pipeline (ps);

  if (left == NULL)
    return NULL;
  while (peek (ps)->kind == TOK_AND_IF || peek (ps)->kind == TOK_OR_IF)
    {
      Node *node = node_new (peek (ps)->kind == TOK_AND_IF ? NODE_AND : NODE_OR, left->line);

      ps->i++;
      skip_newlines (ps);
      node->left = g_steal_pointer (&left);
      if ((node->right = parse_pipeline (ps)) == NULL)
        {
          node_free (node);
          return NULL;
        }
      left = node;
    }
  return g_steal_pointer (&left);
}

static gboolean
at_stop (Parser             *ps,
         const char *const  *stops)
{
  Tok *tok = peek (ps);

  if (tok->kind == TOK_EOF)
    return TRUE;
  for (guint i = 0; stops != NULL && stops[i] != NULL; i++)
    if (tok_is (tok, stops[i]))
      return TRUE;
  return FALSE;
}

static Node *
parse_list (Parser            *ps,
            const char *const *stops)
{
  g_autoptr(Node) list = node_new (NODE_LIST, peek (ps)->line);

  for (;;)
    {
      Node *item;
      Tok *tok;

      while (peek (ps)->kind == TOK_NEWLINE || peek (ps)->kind == TOK_SEMI)
        ps->i++;
      if (at_stop (ps, stops))
        break;
      tok = peek (ps);
      if (tok->kind == TOK_RPAREN || tok->kind == TOK_PIPE || tok->kind == TOK_AND_IF ||
          tok->kind == TOK_OR_IF || tok->kind == TOK_AMP)
        {
          parse_fail (ps, tok->line, _("this shell syntax is not supported"));
          return NULL;
        }
      if ((item = parse_and_or (ps)) == NULL)
        return NULL;
      g_ptr_array_add (list->children, item);
      tok = peek (ps);
      if (tok->kind == TOK_AMP)
        {
          parse_fail (ps, tok->line, _("background commands are not supported"));
          return NULL;
        }
      if (tok->kind != TOK_NEWLINE && tok->kind != TOK_SEMI && !at_stop (ps, stops))
        {
          parse_fail (ps, tok->line, _("this shell syntax is not supported"));
          return NULL;
        }
    }
  if (stops == NULL && peek (ps)->kind != TOK_EOF)
    {
      parse_fail (ps, peek (ps)->line, _("this shell syntax is not supported"));
      return NULL;
    }
  return g_steal_pointer (&list);
}

static Node *
parse_script (const char  *name,
              char       **lines,
              const char  *text,
              guint        first_line,
              GError     **error)
{
  Lexer lx = { name, lines, text, 0, strlen (text), first_line, error };
  g_autoptr(GPtrArray) toks = lex (&lx);
  Parser ps = { name, lines, NULL, 0, error };
  Node *list;

  if (toks == NULL)
    return NULL;
  ps.toks = toks;
  list = parse_list (&ps, NULL);
  if (list != NULL && peek (&ps)->kind != TOK_EOF)
    {
      parse_fail (&ps, peek (&ps)->line, _("this shell syntax is not supported"));
      g_clear_pointer (&list, node_free);
    }
  return list;
}

/* ---- recognizer ----------------------------------------------------------- */

/* What $? holds: unknown, a step's result, a getvar|grep's, or 0 (set -e went on). */
typedef enum { STATUS_NONE, STATUS_STEP, STATUS_MATCH, STATUS_OK } StatusKind;

typedef struct {
  StatusKind       kind;
  UbFlashStep     *step;     /* STEP (owned by the builder) */
  char            *var;      /* MATCH: getvar NAME */
  char            *pattern;  /* MATCH: the grep pattern as PCRE */
  guint            line;
} Status;

typedef struct {
  UbScriptBuilder  b;
  char           **lines;
  GHashTable      *vars;       /* name → UbScriptVal */
  GHashTable      *handlers;   /* names of error-handler functions */
  gboolean         errexit;    /* set -e */
  guint            exempt;     /* inside the left of || (set -e does not stop there) */
  GPtrArray       *known_files; /* the FILEs of the enclosing "if [ -e FILE ]": cat FILE cannot fail */
  Status           status;
  GError         **error;
} Sh;

static void
status_reset (Sh *sh)
{
  g_clear_pointer (&sh->status.var, g_free);
  g_clear_pointer (&sh->status.pattern, g_free);
  sh->status.kind = STATUS_NONE;
  sh->status.step = NULL;
}

static const char *
line_text (Sh    *sh,
           guint  line)
{
  return source_line (sh->lines, line);
}

static gboolean
fail (Sh         *sh,
      guint       line,
      const char *why)
{
  ub_script_error (sh->error, sh->b.name, line, line_text (sh, line), why);
  return FALSE;
}

static gboolean
word_is_var (Word       *word,
             const char *name)
{
  Part *part;

  if (word->parts->len != 1)
    return FALSE;
  part = g_ptr_array_index (word->parts, 0);
  return part->kind == PART_VAR && (name == NULL || g_str_equal (part->text, name));
}

static const char *
word_var_name (Word *word)
{
  return word_is_var (word, NULL) ? ((Part *) g_ptr_array_index (word->parts, 0))->text : NULL;
}

/* A literal word (no expansions), or NULL. */
static const char *
word_literal (Word *word)
{
  Part *part;

  if (word->parts->len == 0)
    return "";
  if (word->parts->len != 1)
    return NULL;
  part = g_ptr_array_index (word->parts, 0);
  return part->kind == PART_LIT ? part->text : NULL;
}

static UbScriptVal *eval_command (Sh *sh, Node *node, char **grep_pcre);

/* The word's text with the script folder and $* as markers; FALSE when it
 * depends on something else. */
static gboolean
word_eval (Sh       *sh,
           Word     *word,
           GString  *out)
{
  for (guint i = 0; i < word->parts->len; i++)
    {
      Part *part = g_ptr_array_index (word->parts, i);

      if (part->kind == PART_LIT)
        g_string_append (out, part->text);
      else if (part->kind == PART_VAR)
        {
          UbScriptVal *val;

          if (g_str_equal (part->text, "*") || g_str_equal (part->text, "@"))
            {
              if (word->parts->len != 1)
                return FALSE;
              g_string_append (out, UB_SCRIPT_ARGS);
              continue;
            }
          val = g_hash_table_lookup (sh->vars, part->text);
          if (val == NULL || val->kind != UB_VAL_STRING)
            return FALSE;
          g_string_append (out, val->s);
        }
      else
        {
          g_autoptr(UbScriptVal) val = eval_command (sh, part->cmd, NULL);
          if (val == NULL || val->kind != UB_VAL_STRING)
            return FALSE;
          g_string_append (out, val->s);
        }
    }
  return TRUE;
}

/* For messages: the word with variables shown as $NAME. */
static void
word_render (Word    *word,
             GString *out)
{
  for (guint i = 0; i < word->parts->len; i++)
    {
      Part *part = g_ptr_array_index (word->parts, i);

      if (part->kind == PART_LIT)
        g_string_append (out, part->text);
      else if (part->kind == PART_VAR)
        g_string_append_printf (out, "$%s", part->text);
      else
        g_string_append (out, "$(…)");
    }
}

static char *
words_render (GPtrArray *words,
              guint      from)
{
  GString *out = g_string_new (NULL);

  for (guint i = from; i < words->len; i++)
    {
      if (i > from)
        g_string_append_c (out, ' ');
      word_render (g_ptr_array_index (words, i), out);
    }
  return g_string_free (out, FALSE);
}

/* argv of a simple command, statically evaluated; NULL when impossible. */
static GStrv
simple_argv (Sh   *sh,
             Node *node)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();

  for (guint i = 0; i < node->words->len; i++)
    {
      g_autoptr(GString) s = g_string_new (NULL);
      if (!word_eval (sh, g_ptr_array_index (node->words, i), s))
        return NULL;
      g_strv_builder_add (argv, s->str);
    }
  return g_strv_builder_end (argv);
}

static gboolean
simple_is (Node       *node,
           const char *command)
{
  const char *lit;

  if (node->kind != NODE_SIMPLE || node->words->len == 0)
    return FALSE;
  lit = word_literal (g_ptr_array_index (node->words, 0));
  return lit != NULL && g_str_equal (lit, command);
}

static gboolean
redirs_harmless (Node *node)
{
  static const char *const ok[] = { "2>&1", ">/dev/null", "2>/dev/null", ">&2", "1>&2", "1>/dev/null", NULL };

  for (guint i = 0; i < node->redirs->len; i++)
    if (!g_strv_contains (ok, g_ptr_array_index (node->redirs, i)))
      return FALSE;
  return TRUE;
}

/* A list (or group) holding just one node. */
static Node *
single (Node *node)
{
  while (node != NULL && (node->kind == NODE_LIST || node->kind == NODE_GROUP))
    {
      if (node->kind == NODE_GROUP)
        node = node->body;
      else if (node->children->len == 1)
        node = g_ptr_array_index (node->children, 0);
      else
        return NULL;
    }
  return node;
}

/* `fastboot [$*] getvar NAME 2>&1` (piped into grep) → NAME. AOSP's fastboot prints
 * the answer on stderr: without 2>&1 (or with more) grep sees nothing, *no_stderr. */
static char *
getvar_of (Sh       *sh,
           Node     *node,
           gboolean *no_stderr)
{
  g_auto(GStrv) argv = NULL;
  char *name;

  *no_stderr = FALSE;
  if (!simple_is (node, "fastboot") || !redirs_harmless (node))
    return NULL;
  if ((argv = simple_argv (sh, node)) == NULL || (name = ub_script_getvar_name (argv + 1)) == NULL)
    return NULL;
  if (node->redirs->len != 1 || !g_str_equal (g_ptr_array_index (node->redirs, 0), "2>&1"))
    {
      *no_stderr = TRUE;
      g_free (name);
      return NULL;
    }
  return name;
}

/* `grep [-E] [-q] PATTERN` → the pattern */
static gboolean
grep_of (Sh              *sh,
         Node            *node,
         char           **pattern,
         UbPatternSyntax *syntax,
         gboolean        *only_matching)
{
  g_auto(GStrv) argv = NULL;
  UbPatternSyntax syn = UB_PATTERN_BRE;
  gboolean o = FALSE, perl = FALSE;
  guint i;

  if (!simple_is (node, "grep") || !redirs_harmless (node))
    return FALSE;
  if ((argv = simple_argv (sh, node)) == NULL)
    return FALSE;
  for (i = 1; argv[i] != NULL && argv[i][0] == '-' && argv[i][1] != '\0'; i++)
    {
      for (const char *f = argv[i] + 1; *f; f++)
        {
          if (*f == 'E')
            syn = UB_PATTERN_ERE;
          else if (*f == 'P')
            perl = TRUE;
          else if (*f == 'o')
            o = TRUE;
          else if (*f != 'q' && *f != 's')
            return FALSE;
        }
    }
  if (argv[i] == NULL || argv[i + 1] != NULL)
    return FALSE;
  *pattern = g_strdup (argv[i]);
  *syntax = perl ? UB_PATTERN_PCRE : syn;
  *only_matching = o && perl;
  return TRUE;
}

/* The value of a command substitution; @grep_pcre (optional): for a value read
 * with getvar … | grep -oP, the grep's pattern (it fails when grep finds nothing). */
static UbScriptVal *
eval_command (Sh    *sh,
              Node  *node,
              char **grep_pcre)
{
  Node *cmd = single (node);
  g_auto(GStrv) argv = NULL;

  if (cmd == NULL)
    return NULL;
  if (cmd->kind == NODE_SIMPLE)
    {
      /* `dirname $0`, `dirname "$0"`, `pwd`: the script's folder */
      if (simple_is (cmd, "dirname") && cmd->words->len == 2 &&
          word_is_var (g_ptr_array_index (cmd->words, 1), "0") && cmd->redirs->len == 0)
        return ub_script_val_new (UB_VAL_STRING, UB_SCRIPT_ROOT);
      if (simple_is (cmd, "pwd") && cmd->words->len == 1 && cmd->redirs->len == 0)
        return ub_script_val_new (UB_VAL_STRING, UB_SCRIPT_ROOT);
      if (!redirs_harmless (cmd) || (argv = simple_argv (sh, cmd)) == NULL)
        {
          /* date -d "$X" +%s with a symbolic X */
          if (simple_is (cmd, "date") && cmd->words->len == 4)
            {
              const char *d = word_literal (g_ptr_array_index (cmd->words, 1));
              const char *f = word_literal (g_ptr_array_index (cmd->words, 3));
              const char *x = word_var_name (g_ptr_array_index (cmd->words, 2));
              UbScriptVal *from = x ? g_hash_table_lookup (sh->vars, x) : NULL;

              if (d && f && g_str_equal (d, "-d") && g_str_equal (f, "+%s") && from != NULL &&
                  (from->kind == UB_VAL_PKGFILE || from->kind == UB_VAL_DEVVAR) && !from->date)
                {
                  UbScriptVal *val = ub_script_val_new (from->kind, from->s);
                  val->date = TRUE;
                  return val;
                }
            }
          return NULL;
        }
      if (g_strv_length (argv) == 2 && g_str_equal (argv[0], "cat"))
        {
          const char *why = NULL;
          g_autofree char *path = ub_script_rom_path (argv[1], &why);
          return path ? ub_script_val_new (UB_VAL_PKGFILE, path) : NULL;
        }
      return NULL;
    }
  if (cmd->kind == NODE_PIPELINE && cmd->children->len >= 2)
    {
      gboolean no_stderr;
      g_autofree char *var = getvar_of (sh, g_ptr_array_index (cmd->children, 0), &no_stderr);
      g_autofree char *pattern = NULL;
      UbPatternSyntax syntax;
      gboolean only = FALSE;

      if (var == NULL)
        return NULL;
      if (!grep_of (sh, g_ptr_array_index (cmd->children, 1), &pattern, &syntax, &only))
        return NULL;
      if (cmd->children->len == 2 && only)
        {
          /* grep -oP "anti: \K[0-9]+" or "security-patch-level: \K\d+(-\d+)*" */
          g_autofree char *num = g_strdup_printf ("%s: \\K[0-9]+", var);
          g_autofree char *num2 = g_strdup_printf ("%s: \\K\\d+", var);
          g_autofree char *date = g_strdup_printf ("%s: \\K\\d+(-\\d+)*", var);
          if (!g_str_equal (pattern, num) && !g_str_equal (pattern, num2) &&
              !g_str_equal (pattern, date))
            return NULL;
          if (grep_pcre != NULL)
            *grep_pcre = g_steal_pointer (&pattern);
          return ub_script_val_new (UB_VAL_DEVVAR, var);
        }
      if (cmd->children->len == 3 && !only)
        {
          /* grep "rollback_ver:" | awk -F ": " '{print $2}' */
          Node *awk = g_ptr_array_index (cmd->children, 2);
          g_autofree char *prefix = g_strdup_printf ("%s:", var);
          g_autofree char *anchored = g_strdup_printf ("^%s:", var);
          g_auto(GStrv) a = NULL;

          if ((g_str_equal (pattern, prefix) || g_str_equal (pattern, anchored)) &&
              simple_is (awk, "awk") && redirs_harmless (awk) &&
              (a = simple_argv (sh, awk)) != NULL && g_strv_length (a) == 4 &&
              g_str_equal (a[1], "-F") && g_str_equal (a[2], ": ") &&
              g_str_equal (a[3], "{print $2}"))
            return ub_script_val_new (UB_VAL_DEVVAR, var);
        }
    }
  return NULL;
}

/* "NAME=…": the length of NAME, or 0 when the word is no assignment. */
static gsize
assignment_name_len (Word *word)
{
  Part *first = word->parts->len ? g_ptr_array_index (word->parts, 0) : NULL;
  const char *eq;
  gsize n;

  if (first == NULL || first->kind != PART_LIT || (eq = strchr (first->text, '=')) == NULL)
    return 0;
  n = eq - first->text;
  if (n == 0 || g_ascii_isdigit (first->text[0]))
    return 0;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (first->text[i]) && first->text[i] != '_')
      return 0;
  return n;
}

/* Splits "NAME=value" into the name and the value's parts; command
 * substitutions are moved out of @word, which is spent. */
static gboolean
is_assignment (Word   *word,
               char  **name,
               Word  **value)
{
  gsize n = assignment_name_len (word);
  Part *first;
  const char *eq;

  if (n == 0)
    return FALSE;
  first = g_ptr_array_index (word->parts, 0);
  eq = first->text + n;
  *name = g_strndup (first->text, n);
  *value = word_new ();
  if (eq[1] != '\0')
    {
      Part *rest = g_new0 (Part, 1);
      rest->kind = PART_LIT;
      rest->text = g_strdup (eq + 1);
      g_ptr_array_add ((*value)->parts, rest);
    }
  for (guint i = 1; i < word->parts->len; i++)
    {
      Part *p = g_ptr_array_index (word->parts, i);
      Part *copy = g_new0 (Part, 1);

      copy->kind = p->kind;
      copy->text = g_strdup (p->text);
      /* a command substitution is moved, not copied */
      copy->cmd = p->cmd;
      p->cmd = NULL;
      p->kind = PART_LIT;
      g_ptr_array_add ((*value)->parts, copy);
    }
  return TRUE;
}

/*
 * Under set -e an assignment X=$(…) stops the script when the command fails:
 * getvar … | grep -oP @grep_pcre finds nothing (a check that the phone reports
 * it), cat of a file that may be missing, date -d of what the phone said.
 */
static gboolean
errexit_assignment (Sh                *sh,
                    guint              line,
                    const UbScriptVal *val,
                    const char        *grep_pcre)
{
  if (val->kind == UB_VAL_DEVVAR && val->date)
    return fail (sh, line, _("with “set -e”, Unbrick cannot tell when this date conversion stops the script"));
  if (val->kind == UB_VAL_PKGFILE && !val->date &&
      !g_ptr_array_find_with_equal_func (sh->known_files, val->s, g_str_equal, NULL))
    return fail (sh, line, _("with “set -e”, a missing file stops the script here, which Unbrick does not follow"));
  if (grep_pcre != NULL)
    {
      UbFlashStep *check;

      /* grep -oP "anti: \K[0-9]+": PCRE as it is (the name is the script's) */
      if (!ub_script_pcre_compiles (grep_pcre))
        return fail (sh, line, _("the pattern is not one Unbrick can read"));
      check = ub_script_builder_add (&sh->b, UB_STEP_CHECK_VAR, line, line_text (sh, line));
      check->var = g_strdup (val->s);
      check->pattern = g_strdup (grep_pcre);
      check->fatal = TRUE;
    }
  return TRUE;
}

static gboolean
assign (Sh     *sh,
        guint   line,
        char   *name,
        Word   *value)
{
  const char *lit = word_literal (value);
  UbScriptVal *val = NULL;

  if (lit != NULL)
    {
      gint64 n;
      char *end = NULL;

      n = g_ascii_strtoll (lit, &end, 10);
      if (lit[0] != '\0' && end != NULL && *end == '\0')
        {
          val = ub_script_val_new (UB_VAL_INT, NULL);
          val->n = n;
        }
      else
        val = ub_script_val_new (UB_VAL_STRING, lit);
    }
  else if (value->parts->len == 1 &&
           ((Part *) g_ptr_array_index (value->parts, 0))->kind == PART_CMD)
    {
      g_autofree char *grep_pcre = NULL;

      val = eval_command (sh, ((Part *) g_ptr_array_index (value->parts, 0))->cmd, &grep_pcre);
      if (val != NULL && sh->errexit && sh->exempt == 0 &&
          !errexit_assignment (sh, line, val, grep_pcre))
        {
          ub_script_val_free (val);
          return FALSE;
        }
    }
  else
    {
      g_autoptr(GString) s = g_string_new (NULL);
      if (word_eval (sh, value, s))
        val = ub_script_val_new (UB_VAL_STRING, s->str);
    }
  if (val == NULL)
    return fail (sh, line, _("Unbrick cannot tell what this variable holds"));
  g_hash_table_replace (sh->vars, g_strdup (name), val);
  return TRUE;
}

static gboolean
run_assignments (Sh   *sh,
                 Node *node)
{
  for (guint i = 0; i < node->words->len; i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(Word) value = NULL;

      if (!is_assignment (g_ptr_array_index (node->words, i), &name, &value))
        return fail (sh, node->line, _("this shell syntax is not supported"));
      if (!assign (sh, node->line, name, value))
        return FALSE;
    }
  return TRUE;
}

static gboolean
node_is_assignments (Node *node)
{
  if (node->kind != NODE_SIMPLE || node->words->len == 0)
    return FALSE;
  for (guint i = 0; i < node->words->len; i++)
    if (assignment_name_len (g_ptr_array_index (node->words, i)) == 0)
      return FALSE;
  return TRUE;
}

/*
 * An error exit: `exit N`, `{ echo …; exit N; }`, `echo …; exit N` or a call
 * of a handler function. @message gets the echoed words (or NULL).
 */
static gboolean
is_error_exit (Sh    *sh,
               Node  *node,
               char **message)
{
  g_autoptr(GString) msg = g_string_new (NULL);
  GPtrArray *items;
  Node *one = single (node);
  gboolean exits = FALSE;

  if (one != NULL && one->kind == NODE_SIMPLE && one->words->len > 0)
    {
      const char *lit = word_literal (g_ptr_array_index (one->words, 0));
      if (lit != NULL && g_hash_table_contains (sh->handlers, lit))
        {
          *message = words_render (one->words, 1);
          return TRUE;
        }
    }
  while (node->kind == NODE_GROUP)
    node = node->body;
  if (node->kind == NODE_LIST)
    items = node->children;
  else
    {
      items = g_ptr_array_new ();
      g_ptr_array_add (items, node);
    }
  for (guint i = 0; i < items->len; i++)
    {
      Node *item = g_ptr_array_index (items, i);

      if (exits)
        {
          exits = FALSE;
          break;
        }
      if (simple_is (item, "echo"))
        {
          g_autofree char *text = words_render (item->words, 1);
          if (msg->len > 0)
            g_string_append_c (msg, ' ');
          g_string_append (msg, text);
        }
      else if (simple_is (item, "exit") && item->words->len <= 2)
        {
          const char *code = item->words->len == 2 ? word_literal (g_ptr_array_index (item->words, 1)) : "1";
          if (code == NULL || g_str_equal (code, "0"))
            break;
          exits = TRUE;
        }
      else
        break;
    }
  if (node->kind != NODE_LIST)
    g_ptr_array_unref (items);
  if (!exits)
    return FALSE;
  *message = msg->len > 0 ? g_strdup (msg->str) : NULL;
  return TRUE;
}

/* Echo lines without an exit: a message, the script goes on. */
static gboolean
is_echo_only (Node  *node,
              char **message)
{
  Node *one = single (node);

  if (one == NULL || !simple_is (one, "echo"))
    return FALSE;
  *message = words_render (one->words, 1);
  return TRUE;
}

static gboolean
apply_error_handler (Sh         *sh,
                     guint       line,
                     const char *message,
                     gboolean    fatal)
{
  Status *st = &sh->status;

  if (st->kind == STATUS_STEP)
    {
      st->step->fatal = fatal || st->step->fatal;
      g_free (st->step->error_message);
      st->step->error_message = g_strdup (message);
    }
  else if (st->kind == STATUS_MATCH)
    {
      if (!fatal)
        {
          status_reset (sh);
          return TRUE;  /* only says something; the script goes on either way */
        }
      if (ub_script_match_check (&sh->b, st->line, line_text (sh, st->line), st->var, st->pattern,
                                 FALSE, message, sh->error) == NULL)
        return FALSE;
    }
  else
    return fail (sh, line, _("this checks the result of something that is not a fastboot command"));
  status_reset (sh);
  return TRUE;
}

static gboolean run_node (Sh *sh, Node *node);

static gboolean
run_list (Sh   *sh,
          Node *list)
{
  for (guint i = 0; i < list->children->len; i++)
    if (!run_node (sh, g_ptr_array_index (list->children, i)))
      return FALSE;
  return TRUE;
}

static gboolean
run_simple (Sh   *sh,
            Node *node)
{
  g_auto(GStrv) argv = NULL;
  const char *cmd;
  guint n;

  status_reset (sh);
  if (node_is_assignments (node))
    return run_assignments (sh, node);
  if (node->words->len == 0)
    return fail (sh, node->line, _("this shell syntax is not supported"));

  cmd = word_literal (g_ptr_array_index (node->words, 0));
  if (cmd == NULL)
    return fail (sh, node->line, _("Unbrick cannot tell which command this runs"));

  if (!redirs_harmless (node))
    return fail (sh, node->line, _("this redirection is not supported"));
  if (g_str_equal (cmd, "echo"))
    {
      UbFlashStep *step = ub_script_builder_add (&sh->b, UB_STEP_ECHO, node->line,
                                                 line_text (sh, node->line));
      step->arg = words_render (node->words, 1);
      return TRUE;
    }
  argv = simple_argv (sh, node);
  if (argv == NULL)
    return fail (sh, node->line, _("Unbrick cannot resolve a variable on this line"));
  n = g_strv_length (argv);

  if (g_str_equal (cmd, "fastboot"))
    {
      UbFlashStep *step = ub_script_fastboot_step (&sh->b, node->line, line_text (sh, node->line),
                                                   argv + 1, sh->error);
      if (step == NULL)
        return FALSE;
      if (sh->errexit && sh->exempt == 0)
        step->fatal = TRUE;
      sh->status.kind = STATUS_STEP;
      sh->status.step = step;
      return TRUE;
    }
  if (g_str_equal (cmd, "sleep") && n == 2)
    {
      char *end = NULL;
      double s = g_ascii_strtod (argv[1], &end);
      UbFlashStep *step;

      if (end == NULL || *end != '\0' || s < 0 || s > 600)
        return fail (sh, node->line, _("not a number of seconds"));
      step = ub_script_builder_add (&sh->b, UB_STEP_SLEEP, node->line, line_text (sh, node->line));
      step->arg = g_strdup (argv[1]);
      return TRUE;
    }
  if (g_str_equal (cmd, "exit") && n <= 2)
    {
      if (n == 2 && !g_str_equal (argv[1], "0"))
        return fail (sh, node->line, _("the script stops with an error here"));
      ub_script_builder_add (&sh->b, UB_STEP_EXIT, node->line, line_text (sh, node->line));
      return TRUE;
    }
  if (g_str_equal (cmd, "cd") && n == 2 && g_str_equal (argv[1], UB_SCRIPT_ROOT))
    return TRUE;
  if (g_str_equal (cmd, "set") && n >= 2)
    {
      gboolean errexit = sh->errexit;

      for (guint i = 1; i < n; i++)
        {
          gboolean on = argv[i][0] == '-';

          if (argv[i][0] != '-' && argv[i][0] != '+')
            return fail (sh, node->line, _("this shell syntax is not supported"));
          for (const char *f = argv[i] + 1; *f; f++)
            {
              if (*f == 'o')
                {
                  /* set -o errexit, set -eo nounset: the name is the next word */
                  const char *opt = f[1] == '\0' && i + 1 < n ? argv[++i] : NULL;

                  if (opt != NULL && g_str_equal (opt, "errexit"))
                    errexit = on;
                  else if (opt == NULL || (!g_str_equal (opt, "nounset") &&
                                           !g_str_equal (opt, "xtrace") &&
                                           !g_str_equal (opt, "verbose")))
                    return fail (sh, node->line, _("this shell option is not supported"));
                  break;
                }
              if (*f == 'e')
                errexit = on;
              else if (*f != 'x' && *f != 'u' && *f != 'v')
                return fail (sh, node->line, _("this shell option is not supported"));
            }
        }
      if (errexit != sh->errexit && (sh->b.guards->len > 0 || sh->exempt > 0))
        return fail (sh, node->line, _("Unbrick only understands “set -e” outside conditions"));
      sh->errexit = errexit;
      return TRUE;
    }
  if ((g_str_equal (cmd, ":") || g_str_equal (cmd, "true")) && n == 1)
    return TRUE;
  if (g_hash_table_contains (sh->handlers, cmd))
    return fail (sh, node->line, _("the script stops with an error here"));
  return fail (sh, node->line, _("this is not a flash step Unbrick knows"));
}

static gboolean
run_pipeline (Sh   *sh,
              Node *node)
{
  g_autofree char *var = NULL;
  g_autofree char *pattern = NULL;
  UbPatternSyntax syntax;
  gboolean only = FALSE, no_stderr = FALSE;

  status_reset (sh);
  if (node->children->len >= 2 && simple_is (g_ptr_array_index (node->children, 1), "grep"))
    var = getvar_of (sh, g_ptr_array_index (node->children, 0), &no_stderr);
  if (no_stderr)
    return fail (sh, node->line, _("fastboot prints getvar's answer on stderr: without “2>&1” "
                                   "before the pipe, grep sees nothing"));
  if (node->children->len == 2 && var != NULL &&
      grep_of (sh, g_ptr_array_index (node->children, 1), &pattern, &syntax, &only) && !only)
    {
      const char *why = NULL;
      g_autofree char *pcre = ub_script_pattern_to_pcre (pattern, syntax, &why);

      if (pcre == NULL)
        return fail (sh, node->line, why);
      if (sh->errexit && sh->exempt == 0)
        {
          /* set -e: a grep that finds nothing stops the script right here */
          if (ub_script_match_check (&sh->b, node->line, line_text (sh, node->line), var, pcre,
                                     FALSE, NULL, sh->error) == NULL)
            return FALSE;
          sh->status.kind = STATUS_OK;
          return TRUE;
        }
      sh->status.kind = STATUS_MATCH;
      sh->status.var = g_steal_pointer (&var);
      sh->status.pattern = g_steal_pointer (&pcre);
      sh->status.line = node->line;
      return TRUE;
    }
  return fail (sh, node->line, _("this pipeline is not one Unbrick understands"));
}

/* The words of `[ … ]` or `test …`, without the brackets. */
static GPtrArray *
test_words (Node *cond)
{
  Node *one = single (cond);
  GPtrArray *words;
  const char *last;
  guint n;

  if (one == NULL || one->kind != NODE_SIMPLE || one->redirs->len > 0)
    return NULL;
  words = one->words;
  n = words->len;
  if (simple_is (one, "["))
    {
      last = word_literal (g_ptr_array_index (words, n - 1));
      if (n < 2 || last == NULL || !g_str_equal (last, "]"))
        return NULL;
      words = g_ptr_array_new ();
      for (guint i = 1; i < n - 1; i++)
        g_ptr_array_add (words, g_ptr_array_index (one->words, i));
      return words;
    }
  if (simple_is (one, "test"))
    {
      words = g_ptr_array_new ();
      for (guint i = 1; i < n; i++)
        g_ptr_array_add (words, g_ptr_array_index (one->words, i));
      return words;
    }
  return NULL;
}

static gboolean
lit_is (Word       *word,
        const char *s)
{
  const char *lit = word_literal (word);
  return lit != NULL && g_str_equal (lit, s);
}

/* "$X" or "${X}x" (the x idiom) → X */
static const char *
tested_var (Word *word)
{
  Part *a, *b;

  if (word->parts->len == 1)
    return word_var_name (word);
  if (word->parts->len != 2)
    return NULL;
  a = g_ptr_array_index (word->parts, 0);
  b = g_ptr_array_index (word->parts, 1);
  if (a->kind == PART_VAR && b->kind == PART_LIT && g_str_equal (b->text, "x"))
    return a->text;
  return NULL;
}

/* Run a body under an extra condition. */
static gboolean
run_guarded (Sh              *sh,
             Node            *body,
             UbConditionKind  kind,
             const char      *name,
             const char      *pattern,
             gboolean         negate)
{
  gboolean ok;

  ub_script_builder_push_guard (&sh->b, kind, name, pattern, negate);
  ok = run_list (sh, body);
  ub_script_builder_pop_guard (&sh->b);
  status_reset (sh);
  return ok;
}

/* Both bodies only assign variables. */
static gboolean
bodies_assign_only (Node *then_body,
                    Node *else_body)
{
  Node *bodies[2] = { then_body, else_body };

  for (guint k = 0; k < 2; k++)
    {
      if (bodies[k] == NULL)
        continue;
      for (guint i = 0; i < bodies[k]->children->len; i++)
        if (!node_is_assignments (g_ptr_array_index (bodies[k]->children, i)))
          return FALSE;
    }
  return TRUE;
}

static gboolean
run_body_assignments (Sh   *sh,
                      Node *body)
{
  for (guint i = 0; body != NULL && i < body->children->len; i++)
    if (!run_assignments (sh, g_ptr_array_index (body->children, i)))
      return FALSE;
  return TRUE;
}

static gboolean
make_version_check (Sh         *sh,
                    guint       line,
                    const char *a,
                    const char *b,
                    const char *message)
{
  return ub_script_version_check (&sh->b, line, line_text (sh, line),
                                  g_hash_table_lookup (sh->vars, a),
                                  g_hash_table_lookup (sh->vars, b), message, sh->error) != NULL;
}

static gboolean
run_if (Sh   *sh,
        Node *node)
{
  Node *cond = g_ptr_array_index (node->children, 0);
  Node *then_body = g_ptr_array_index (node->children, 1);
  Node *else_body = node->has_else ? g_ptr_array_index (node->children, 2) : NULL;
  g_autoptr(GPtrArray) w = test_words (cond);
  g_autofree char *message = NULL;
  guint n;

  if (w == NULL)
    return fail (sh, node->line, _("this condition is not one Unbrick understands"));
  n = w->len;

  /* [ $? -ne 0 ] / [ $? -eq 0 ] */
  if (n == 3 && word_is_var (g_ptr_array_index (w, 0), "?") && lit_is (g_ptr_array_index (w, 2), "0"))
    {
      Word *op = g_ptr_array_index (w, 1);
      gboolean failed = lit_is (op, "-ne") || lit_is (op, "!=");
      gboolean ok = lit_is (op, "-eq") || lit_is (op, "=") || lit_is (op, "==");

      if ((failed || ok) && sh->status.kind == STATUS_OK)
        {
          /* after set -e went on, $? is 0: one branch always runs, the other never */
          Node *taken = ok ? then_body : else_body;

          status_reset (sh);
          return taken == NULL || run_list (sh, taken);
        }

      if (failed && else_body == NULL)
        {
          if (is_error_exit (sh, then_body, &message))
            return apply_error_handler (sh, node->line, message, TRUE);
          if (is_echo_only (then_body, &message))
            return apply_error_handler (sh, node->line, message, FALSE);
          return fail (sh, node->line, _("Unbrick only understands stopping the script here"));
        }
      if (ok && sh->status.kind == STATUS_MATCH)
        {
          g_autofree char *var = g_strdup (sh->status.var);
          g_autofree char *pcre = g_strdup (sh->status.pattern);
          guint line = sh->status.line;

          status_reset (sh);
          /* grep found it → stop: the script refuses phones that match (board_version 4.4) */
          if (else_body == NULL && is_error_exit (sh, then_body, &message))
            return ub_script_match_check (&sh->b, line, line_text (sh, line), var, pcre, TRUE,
                                          message, sh->error) != NULL;
          if (!run_guarded (sh, then_body, UB_CONDITION_VAR, var, pcre, FALSE))
            return FALSE;
          return else_body == NULL ||
                 run_guarded (sh, else_body, UB_CONDITION_VAR, var, pcre, TRUE);
        }
      return fail (sh, node->line, _("this condition is not one Unbrick understands"));
    }

  /* [ -e FILE ] / [ -f FILE ] / [ ! -e FILE ] */
  if ((n == 2 || (n == 3 && lit_is (g_ptr_array_index (w, 0), "!"))) &&
      (lit_is (g_ptr_array_index (w, n - 2), "-e") || lit_is (g_ptr_array_index (w, n - 2), "-f") ||
       lit_is (g_ptr_array_index (w, n - 2), "-s")))
    {
      g_autoptr(GString) raw = g_string_new (NULL);
      g_autofree char *path = NULL;
      const char *why = NULL;
      gboolean negate = n == 3;
      gboolean ok;

      if (!word_eval (sh, g_ptr_array_index (w, n - 1), raw) ||
          (path = ub_script_rom_path (raw->str, &why)) == NULL)
        return fail (sh, node->line, why ? why : _("Unbrick cannot resolve a variable on this line"));
      status_reset (sh);
      /* inside [ -e FILE ]'s body, cat FILE cannot fail (set -e) */
      if (!negate)
        g_ptr_array_add (sh->known_files, path);
      if (!negate && else_body == NULL && bodies_assign_only (then_body, else_body))
        /* CURRENT_ANTI_VER=`cat …/anti_version.txt`: a missing file leaves it empty */
        ok = run_body_assignments (sh, then_body);
      else
        ok = run_guarded (sh, then_body, UB_CONDITION_FILE, path, NULL, negate);
      if (!negate)
        g_ptr_array_remove_index (sh->known_files, sh->known_files->len - 1);
      return ok && (else_body == NULL ||
                    run_guarded (sh, else_body, UB_CONDITION_FILE, path, NULL, !negate));
    }

  /* [ -z "$X" ] / [ "$X"x == ""x ] with X=0 (and maybe X=… in else): empty counts as 0 */
  {
    const char *var = NULL;

    if (n == 2 && lit_is (g_ptr_array_index (w, 0), "-z"))
      var = word_var_name (g_ptr_array_index (w, 1));
    else if (n == 3 && (lit_is (g_ptr_array_index (w, 1), "==") || lit_is (g_ptr_array_index (w, 1), "=")) &&
             lit_is (g_ptr_array_index (w, 2), "x"))
      var = tested_var (g_ptr_array_index (w, 0));
    if (var != NULL)
      {
        Node *zero = single (then_body);
        const char *lit;

        status_reset (sh);
        if (zero == NULL || !node_is_assignments (zero) || zero->words->len != 1 ||
            !bodies_assign_only (then_body, else_body))
          return fail (sh, node->line, _("this condition is not one Unbrick understands"));
        lit = word_literal (g_ptr_array_index (zero->words, 0));
        if (lit == NULL || !g_str_has_suffix (lit, "=0"))
          return fail (sh, node->line, _("this condition is not one Unbrick understands"));
        /* the default of 0 is how every check treats a missing value */
        if (else_body != NULL)
          return run_body_assignments (sh, else_body);
        if (!g_hash_table_contains (sh->vars, var))
          {
            UbScriptVal *val = ub_script_val_new (UB_VAL_INT, NULL);
            g_hash_table_replace (sh->vars, g_strdup (var), val);
          }
        return TRUE;
      }
  }

  /* [ $A -gt $B ] → a version check */
  if (n == 3 && lit_is (g_ptr_array_index (w, 1), "-gt") && else_body == NULL)
    {
      const char *a = word_var_name (g_ptr_array_index (w, 0));
      const char *b = word_var_name (g_ptr_array_index (w, 2));

      status_reset (sh);
      if (a == NULL || b == NULL || !is_error_exit (sh, then_body, &message))
        return fail (sh, node->line, _("this comparison is not one Unbrick understands"));
      return make_version_check (sh, node->line, a, b, message);
    }

  return fail (sh, node->line, _("this condition is not one Unbrick understands"));
}

static gboolean
run_node (Sh   *sh,
          Node *node)
{
  g_autofree char *message = NULL;
  gboolean ok;

  switch (node->kind)
    {
    case NODE_SIMPLE:
      return run_simple (sh, node);
    case NODE_PIPELINE:
      return run_pipeline (sh, node);
    case NODE_IF:
      return run_if (sh, node);
    case NODE_GROUP:
      return run_list (sh, node->body);
    case NODE_LIST:
      return run_list (sh, node);
    case NODE_FUNC:
      if (!is_error_exit (sh, node->body, &message))
        return fail (sh, node->line, _("Unbrick only understands functions that report an error and stop"));
      g_hash_table_add (sh->handlers, g_strdup (node->name));
      status_reset (sh);
      return TRUE;
    case NODE_OR:
      if (node->left->kind != NODE_SIMPLE && node->left->kind != NODE_PIPELINE)
        return fail (sh, node->line, _("this shell syntax is not supported"));
      sh->exempt++;
      ok = run_node (sh, node->left);
      sh->exempt--;
      if (!ok)
        return FALSE;
      if (is_error_exit (sh, node->right, &message))
        return apply_error_handler (sh, node->line, message, TRUE);
      if (is_echo_only (node->right, &message))
        return apply_error_handler (sh, node->line, message, FALSE);
      return fail (sh, node->line, _("Unbrick only understands stopping the script after “||”"));
    case NODE_AND:
    default:
      return fail (sh, node->line, _("this shell syntax is not supported"));
    }
}

GPtrArray *
ub_script_parse_sh (const char  *name,
                    const char  *text,
                    GPtrArray  **notes,
                    GError     **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(Node) tree = NULL;
  Sh sh = { 0 };
  GPtrArray *steps = NULL;

  tree = parse_script (name, lines, text, 1, error);
  if (tree == NULL)
    return NULL;

  ub_script_builder_init (&sh.b, name);
  sh.lines = lines;
  sh.vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) ub_script_val_free);
  sh.handlers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sh.known_files = g_ptr_array_new ();
  sh.error = error;
  if (run_list (&sh, tree))
    {
      steps = g_steal_pointer (&sh.b.steps);
      *notes = g_steal_pointer (&sh.b.notes);
    }
  status_reset (&sh);
  ub_script_builder_clear (&sh.b);
  g_hash_table_unref (sh.vars);
  g_hash_table_unref (sh.handlers);
  g_ptr_array_unref (sh.known_files);
  return steps;
}
