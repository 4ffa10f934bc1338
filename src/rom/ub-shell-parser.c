/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A small POSIX-shell parser: words with quotes, $VAR, `…` and $(…),
 * pipelines, && ||, if/then/else/fi, { …; }, functions → a syntax tree. It
 * knows nothing of Xiaomi's scripts (ub-script-sh.c recognizes those over
 * the tree). A form it does not parse fails with
 * UB_ROM_ERROR_UNSUPPORTED_SCRIPT naming the line.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-rom-error.h"
#include "ub-script-builder.h"
#include "ub-shell-parser.h"

/* ---- syntax tree ---------------------------------------------------------- */

static void
part_free (UbShPart *part)
{
  g_free (part->text);
  if (part->cmd != NULL)
    ub_sh_node_free (part->cmd);
  g_free (part);
}

void
ub_sh_word_free (UbShWord *word)
{
  g_ptr_array_unref (word->parts);
  g_free (word);
}

UbShWord *
ub_sh_word_new (void)
{
  UbShWord *word = g_new0 (UbShWord, 1);
  word->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);
  return word;
}

static UbShNode *
node_new (UbShNodeKind  kind,
          guint         line)
{
  UbShNode *node = g_new0 (UbShNode, 1);

  node->kind = kind;
  node->line = line;
  if (kind == UB_SH_NODE_SIMPLE)
    {
      node->words = g_ptr_array_new_with_free_func ((GDestroyNotify) ub_sh_word_free);
      node->redirs = g_ptr_array_new_with_free_func (g_free);
    }
  if (kind == UB_SH_NODE_PIPELINE || kind == UB_SH_NODE_LIST || kind == UB_SH_NODE_IF)
    node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) ub_sh_node_free);
  return node;
}

void
ub_sh_node_free (UbShNode *node)
{
  if (node == NULL)
    return;
  g_clear_pointer (&node->words, g_ptr_array_unref);
  g_clear_pointer (&node->redirs, g_ptr_array_unref);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  ub_sh_node_free (node->left);
  ub_sh_node_free (node->right);
  ub_sh_node_free (node->body);
  g_free (node->name);
  g_free (node);
}

/* ---- lexer ---------------------------------------------------------------- */

typedef enum {
  TOK_WORD, TOK_NEWLINE, TOK_SEMI, TOK_PIPE, TOK_AND_IF, TOK_OR_IF, TOK_AMP,
  TOK_LPAREN, TOK_RPAREN, TOK_REDIR, TOK_EOF,
} TokKind;

typedef struct {
  TokKind   kind;
  guint     line;
  UbShWord *word;   /* TOK_WORD */
  char     *text;   /* TOK_WORD: the source text; TOK_REDIR: the redirection */
} Tok;

static void
tok_free (Tok *tok)
{
  if (tok->word != NULL)
    ub_sh_word_free (tok->word);
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

const char *
ub_sh_source_line (char  **lines,
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
  ub_script_error (lx->error, lx->name, lx->line, ub_sh_source_line (lx->lines, lx->line), why);
  return FALSE;
}

static gboolean
is_meta (char c)
{
  return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '|' || c == '&' ||
         c == '(' || c == ')' || c == '<' || c == '>';
}

static void
flush_lit (UbShWord *word,
           GString  *lit)
{
  UbShPart *part;

  if (lit->len == 0)
    return;
  part = g_new0 (UbShPart, 1);
  part->kind = UB_SH_PART_LIT;
  part->text = g_strndup (lit->str, lit->len);
  g_ptr_array_add (word->parts, part);
  g_string_truncate (lit, 0);
}

static void
add_var (UbShWord   *word,
         const char *name,
         gsize       len)
{
  UbShPart *part = g_new0 (UbShPart, 1);

  part->kind = UB_SH_PART_VAR;
  part->text = g_strndup (name, len);
  g_ptr_array_add (word->parts, part);
}

static gboolean
add_cmd (Lexer      *lx,
         UbShWord   *word,
         const char *inner,
         guint       line)
{
  UbShPart *part;
  UbShNode *cmd = ub_sh_parse (lx->name, lx->lines, inner, line, lx->error);

  if (cmd == NULL)
    return FALSE;
  part = g_new0 (UbShPart, 1);
  part->kind = UB_SH_PART_CMD;
  part->cmd = cmd;
  g_ptr_array_add (word->parts, part);
  return TRUE;
}

/* After "$(": the text up to the matching ")". */
static gboolean
lex_dollar_paren (Lexer    *lx,
                  UbShWord *word)
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
lex_backquote (Lexer    *lx,
               UbShWord *word)
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
lex_dollar (Lexer    *lx,
            UbShWord *word,
            GString  *lit)
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
lex_expansion (Lexer    *lx,
               UbShWord *word,
               GString  *lit,
               char      c)
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
  g_autoptr(UbShWord) word = ub_sh_word_new ();
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
  ub_script_error (ps->error, ps->name, line, ub_sh_source_line (ps->lines, line), why);
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

static UbShNode *parse_list (Parser *ps, const char *const *stops);

static UbShNode *
parse_simple (Parser *ps)
{
  g_autoptr(UbShNode) node = node_new (UB_SH_NODE_SIMPLE, peek (ps)->line);

  for (;;)
    {
      Tok *tok = peek (ps);

      if (tok->kind == TOK_WORD && (node->words->len > 0 || !tok_is_reserved (tok)))
        {
          g_ptr_array_add (node->words, g_steal_pointer (&tok->word));
          tok->word = ub_sh_word_new ();
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

static UbShNode *
parse_if (Parser *ps)
{
  static const char *const then_stop[] = { "then", NULL };
  static const char *const body_stop[] = { "else", "elif", "fi", NULL };
  static const char *const else_stop[] = { "fi", NULL };
  g_autoptr(UbShNode) node = node_new (UB_SH_NODE_IF, peek (ps)->line);
  UbShNode *part;

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

static UbShNode *
parse_group (Parser *ps)
{
  static const char *const stop[] = { "}", NULL };
  g_autoptr(UbShNode) node = node_new (UB_SH_NODE_GROUP, peek (ps)->line);

  ps->i++;  /* { */
  if ((node->body = parse_list (ps, stop)) == NULL)
    return NULL;
  if (!expect_word (ps, "}"))
    return NULL;
  return g_steal_pointer (&node);
}

static UbShNode *
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
      g_autoptr(UbShNode) node = node_new (UB_SH_NODE_FUNC, tok->line);

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

static UbShNode *
parse_pipeline (Parser *ps)
{
  g_autoptr(UbShNode) first = parse_command (ps);
  g_autoptr(UbShNode) pipe = NULL;

  if (first == NULL)
    return NULL;
  if (peek (ps)->kind != TOK_PIPE)
    return g_steal_pointer (&first);
  pipe = node_new (UB_SH_NODE_PIPELINE, first->line);
  g_ptr_array_add (pipe->children, g_steal_pointer (&first));
  while (peek (ps)->kind == TOK_PIPE)
    {
      UbShNode *next;

      ps->i++;
      skip_newlines (ps);
      if ((next = parse_command (ps)) == NULL)
        return NULL;
      g_ptr_array_add (pipe->children, next);
    }
  return g_steal_pointer (&pipe);
}

static UbShNode *
parse_and_or (Parser *ps)
{
  g_autoptr(UbShNode) left = parse_pipeline (ps);

  if (left == NULL)
    return NULL;
  while (peek (ps)->kind == TOK_AND_IF || peek (ps)->kind == TOK_OR_IF)
    {
      UbShNode *node = node_new (peek (ps)->kind == TOK_AND_IF ? UB_SH_NODE_AND : UB_SH_NODE_OR, left->line);

      ps->i++;
      skip_newlines (ps);
      node->left = g_steal_pointer (&left);
      if ((node->right = parse_pipeline (ps)) == NULL)
        {
          ub_sh_node_free (node);
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

static UbShNode *
parse_list (Parser            *ps,
            const char *const *stops)
{
  g_autoptr(UbShNode) list = node_new (UB_SH_NODE_LIST, peek (ps)->line);

  for (;;)
    {
      UbShNode *item;
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

UbShNode *
ub_sh_parse (const char  *name,
             char       **lines,
             const char  *text,
             guint        first_line,
             GError     **error)
{
  Lexer lx = { name, lines, text, 0, strlen (text), first_line, error };
  g_autoptr(GPtrArray) toks = lex (&lx);
  Parser ps = { name, lines, NULL, 0, error };
  UbShNode *list;

  if (toks == NULL)
    return NULL;
  ps.toks = toks;
  list = parse_list (&ps, NULL);
  if (list != NULL && peek (&ps)->kind != TOK_EOF)
    {
      parse_fail (&ps, peek (&ps)->line, _("this shell syntax is not supported"));
      g_clear_pointer (&list, ub_sh_node_free);
    }
  return list;
}
