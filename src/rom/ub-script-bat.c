/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reads a Xiaomi flash_all*.bat as data, for ROMs that ship no .sh. cmd.exe
 * has no grammar worth the name, so each line is matched against the forms
 * Xiaomi's scripts use (xiaomi-rom-format.md §2.2): fastboot chains with
 * `|| @echo "…" && exit /B 1` (cmd reads `A || B && C` as `A || (B && C)`),
 * findstr checks, `if exist … ( … ) else ( … )`, `if %errorlevel% equ 0 (`,
 * the anti-rollback and security-patch idioms with for /f and set. Anything
 * else is refused.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-rom-error.h"
#include "ub-script-builder.h"
#include "ub-script-readers.h"

typedef enum { STATUS_NONE, STATUS_STEP, STATUS_MATCH } StatusKind;

typedef struct {
  char *a;        /* device-side variable */
  char *b;        /* package-side variable */
  char *flag;     /* the variable set to the message */
  guint line;
} Compare;

typedef struct {
  UbScriptBuilder  b;
  char           **lines;
  char           **orig;       /* the lines as read (lines are stripped in place) */
  guint            n_lines;
  guint            i;          /* next line (0-based) */
  GHashTable      *vars;       /* name (lower case) → UbScriptVal */
  GHashTable      *labels;     /* lower case */
  StatusKind       status;
  guint            status_first;    /* STATUS_STEP: the fastboot line's steps in the */
  guint            status_n_steps;  /* builder, [first, first + n_steps) */
  char            *status_var;
  char            *status_pattern;   /* PCRE */
  guint            status_line;
  GHashTable      *pending;          /* "var pattern" → the message of its "|| echo" twin line */
  char            *variant;          /* while a line runs once per folder-dependent value */
  Compare          compare;
  GError         **error;
} Bat;

static void
status_reset (Bat *bat)
{
  bat->status = STATUS_NONE;
  bat->status_first = bat->status_n_steps = 0;
  g_clear_pointer (&bat->status_var, g_free);
  g_clear_pointer (&bat->status_pattern, g_free);
}

static const char *
text_of (Bat   *bat,
         guint  line)
{
  return g_strstrip (bat->lines[line - 1]);
}

static gboolean
fail (Bat        *bat,
      guint       line,
      const char *why)
{
  ub_script_error (bat->error, bat->b.name, line, text_of (bat, line), why);
  return FALSE;
}

/* Regex match of a whole line, case-insensitive; captures in @m. */
/* The line forms are string literals: each is compiled once for the process. */
static GRegex *
compiled (const char *pattern)
{
  static GHashTable *cache;
  G_LOCK_DEFINE_STATIC (cache);
  GRegex *re;

  G_LOCK (cache);
  if (cache == NULL)
    cache = g_hash_table_new (g_direct_hash, g_direct_equal);
  re = g_hash_table_lookup (cache, pattern);
  if (re == NULL)
    {
      re = g_regex_new (pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_assert (re != NULL);
      g_hash_table_insert (cache, (gpointer) pattern, re);
    }
  G_UNLOCK (cache);
  return re;
}

static gboolean
match (const char   *pattern,
       const char   *line,
       GMatchInfo  **m)
{
  GRegex *re = compiled (pattern);

  if (m != NULL)
    g_clear_pointer (m, g_match_info_unref);
  return g_regex_match (re, line, 0, m);
}

static char *
fetch (GMatchInfo *m,
       guint       n)
{
  return g_match_info_fetch (m, n);
}

static char *
unquote (const char *s)
{
  gsize n = strlen (s);

  if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
    return g_strndup (s + 1, n - 2);
  return g_strdup (s);
}

static char *
var_key (const char *name)
{
  return g_ascii_strdown (name, -1);
}

static UbScriptVal *
lookup (Bat        *bat,
        const char *name)
{
  g_autofree char *key = var_key (name);
  return g_hash_table_lookup (bat->vars, key);
}

static void
store (Bat         *bat,
       const char  *name,
       UbScriptVal *val)
{
  g_hash_table_replace (bat->vars, var_key (name), val);
}

/* Expands %~dp0, %* and %VAR% (text variables only). */
static char *
expand (Bat        *bat,
        const char *token)
{
  GString *out = g_string_new (NULL);

  for (const char *p = token; *p; p++)
    {
      if (p[0] == '%' && p[1] == '~' && p[2] == 'd' && p[3] == 'p' && p[4] == '0')
        {
          g_string_append (out, UB_SCRIPT_ROOT);
          p += 4;
        }
      else if (p[0] == '%' && p[1] == '*')
        {
          g_string_append (out, UB_SCRIPT_ARGS);
          p += 1;
        }
      else if (p[0] == '%' && p[1] != '\0')
        {
          const char *end = strchr (p + 1, '%');
          g_autofree char *name = NULL;
          UbScriptVal *val;

          if (end == NULL)
            goto bad;
          name = g_strndup (p + 1, end - p - 1);
          val = lookup (bat, name);
          if (val == NULL || val->kind != UB_VAL_STRING)
            goto bad;
          g_string_append (out, val->s);
          p = end;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
bad:
  g_string_free (out, TRUE);
  return NULL;
}

/* Words of one command, split on blanks outside double quotes; quotes removed
 * except around /c:"…" where they are dropped too. */
static GStrv
split_words (const char *cmd)
{
  g_autoptr(GStrvBuilder) words = g_strv_builder_new ();
  g_autoptr(GString) word = g_string_new (NULL);
  gboolean quoted = FALSE, any = FALSE;

  for (const char *p = cmd;; p++)
    {
      if (*p == '\0' || (!quoted && (*p == ' ' || *p == '\t')))
        {
          if (any)
            g_strv_builder_add (words, word->str);
          g_string_truncate (word, 0);
          any = FALSE;
          if (*p == '\0')
            break;
          continue;
        }
      any = TRUE;
      if (*p == '"')
        quoted = !quoted;
      else if (!quoted && *p == '^' && p[1] != '\0')
        g_string_append_c (word, *++p);
      else
        g_string_append_c (word, *p);
    }
  return g_strv_builder_end (words);
}

typedef enum { OP_NONE, OP_OR, OP_AND, OP_PIPE } Op;

/* Splits "A 2>&1 | B || C && D" at |, || and && outside quotes. */
static GPtrArray *
split_chain (const char *line,
             GArray     *ops)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  const char *start = line;
  gboolean quoted = FALSE;

  for (const char *p = line;; p++)
    {
      Op op = OP_NONE;

      if (*p == '"')
        quoted = !quoted;
      if (*p == '\0')
        {
          g_ptr_array_add (parts, g_strstrip (g_strndup (start, p - start)));
          break;
        }
      if (quoted)
        continue;
      if (p[0] == '^' && p[1] != '\0')
        {
          p++;
          continue;
        }
      if (p[0] == '|' && p[1] == '|')
        op = OP_OR;
      else if (p[0] == '&' && p[1] == '&')
        op = OP_AND;
      else if (p[0] == '|')
        op = OP_PIPE;
      if (op == OP_NONE)
        continue;
      g_ptr_array_add (parts, g_strstrip (g_strndup (start, p - start)));
      g_array_append_val (ops, op);
      if (op != OP_PIPE)
        p++;
      start = p + 1;
    }
  return parts;
}

static gboolean
harmless_redirection (const char *word)
{
  static const char *const ok[] = { "2>&1", ">nul", "2>nul", "1>nul", ">NUL", "2>NUL", NULL };
  return g_strv_contains (ok, word);
}

/* The command's only redirection is 2>&1 (what fastboot prints reaches the pipe). */
static gboolean
stderr_piped (const char *cmd)
{
  g_auto(GStrv) words = split_words (cmd);
  const char *redirection = NULL;

  for (guint i = 0; words[i] != NULL; i++)
    if (strchr (words[i], '>') != NULL)
      {
        if (redirection != NULL)
          return FALSE;
        redirection = words[i];
      }
  return g_strcmp0 (redirection, "2>&1") == 0;
}

/* "fastboot …" (at @pos in @parts, up to a pipe) → argv after "fastboot", or NULL. */
static GStrv
fastboot_argv (Bat        *bat,
               const char *cmd)
{
  g_auto(GStrv) words = split_words (cmd);
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  const char *first;

  if (words[0] == NULL)
    return NULL;
  first = words[0][0] == '@' ? words[0] + 1 : words[0];
  if (g_ascii_strcasecmp (first, "fastboot") != 0 && g_ascii_strcasecmp (first, "fastboot.exe") != 0)
    return NULL;
  for (guint i = 1; words[i] != NULL; i++)
    {
      g_autofree char *e = NULL;

      if (harmless_redirection (words[i]))
        continue;
      if ((e = expand (bat, words[i])) == NULL)
        return NULL;
      g_strv_builder_add (argv, e);
    }
  return g_strv_builder_end (argv);
}

/* A literal string as PCRE (blanks stay as they are, for the product recognizer). */
static char *
escape_literal (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; *s; s++)
    {
      if (strchr ("\\^$.|?*+()[]{}", *s) != NULL)
        g_string_append_c (out, '\\');
      g_string_append_c (out, *s);
    }
  return g_string_free (out, FALSE);
}

/*
 * findstr [/r|/l] [/x] [/i] (/c:"STRING"… | "WORD WORD…") → PCRE, or NULL
 * (*why: a reason worth naming, or NULL). Without /c: a quoted string is a
 * list of words, any of which may match. Without /r or /l, findstr guesses
 * from the first string whether it is a regex; Unbrick only takes such
 * strings when both readings agree. /i applies to each string: (?i:…).
 */
static char *
findstr_pattern (const char  *cmd,
                 const char **why)
{
  static const char *const meta = ".*^$[]\\";
  g_auto(GStrv) words = split_words (cmd);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean regex = FALSE, literal = FALSE, line = FALSE, caseless = FALSE;

  *why = NULL;
  if (words[0] == NULL || g_ascii_strcasecmp (words[0], "findstr") != 0)
    return NULL;
  for (guint i = 1; words[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (words[i], "/r") == 0)
        regex = TRUE;
      else if (g_ascii_strcasecmp (words[i], "/l") == 0)
        literal = TRUE;
      else if (g_ascii_strcasecmp (words[i], "/x") == 0)
        line = TRUE;
      else if (g_ascii_strcasecmp (words[i], "/i") == 0)
        caseless = TRUE;
      else if (g_ascii_strncasecmp (words[i], "/c:", 3) == 0 && words[i][3] != '\0')
        g_ptr_array_add (strings, g_strdup (words[i] + 3));
      else if (words[i][0] != '/' && strings->len == 0 && words[i + 1] == NULL)
        {
          g_auto(GStrv) list = g_strsplit (words[i], " ", -1);
          for (guint k = 0; list[k] != NULL; k++)
            if (list[k][0] != '\0')
              g_ptr_array_add (strings, g_strdup (list[k]));
        }
      else
        return NULL;
    }
  if (strings->len == 0 || (regex && literal))
    return NULL;
  if (!regex && !literal)
    for (guint k = 0; k < strings->len; k++)
      if (strpbrk (g_ptr_array_index (strings, k), meta) != NULL)
        return NULL;
  for (guint k = 0; k < strings->len; k++)
    {
      const char *s = g_ptr_array_index (strings, k);
      g_autofree char *pcre = regex ? ub_script_pattern_to_pcre (s, UB_PATTERN_FINDSTR, why)
                                    : escape_literal (s);

      if (pcre == NULL)
        return NULL;
      if (k > 0)
        g_string_append_c (out, '|');
      if (caseless)
        g_string_append (out, "(?i:");
      if (line && pcre[0] != '^')
        g_string_append_c (out, '^');
      g_string_append (out, pcre);
      if (line && !(regex && g_str_has_suffix (pcre, "$") && !g_str_has_suffix (pcre, "\\$")))
        g_string_append_c (out, '$');
      if (caseless)
        g_string_append_c (out, ')');
    }
  /* each string compiles (ub_script_pattern_to_pcre checked it, escape_literal
   * leaves no operator): so does their alternation */
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/*
 * The part after "||": "echo MSG", "@echo "MSG" && exit /B 1",
 * "… && pause && exit /B 1", "… && goto error", "exit /B 1".
 * @fatal: the script stops. FALSE when it is none of these.
 */
static gboolean
read_handler (Bat        *bat,
              GPtrArray  *parts,
              GArray     *ops,
              guint       from,
              char      **message,
              gboolean   *fatal)
{
  g_autoptr(GString) msg = g_string_new (NULL);

  *fatal = FALSE;
  for (guint i = from; i < parts->len; i++)
    {
      const char *item = g_ptr_array_index (parts, i);
      g_autoptr(GMatchInfo) m = NULL;

      if (i > from && g_array_index (ops, Op, i - 1) != OP_AND)
        return FALSE;
      if (*fatal)
        return FALSE;  /* nothing runs after exit */
      if (item[0] == '@')
        item++;
      if (match ("^echo(?:\\s+(.*))?$", item, &m))
        {
          g_autofree char *text = fetch (m, 1);
          g_autofree char *clean = unquote (text ? text : "");
          if (msg->len > 0)
            g_string_append_c (msg, ' ');
          g_string_append (msg, clean);
        }
      else if (match ("^pause$", item, NULL))
        ;
      else if (match ("^exit(?:\\s+/b)?(?:\\s+(\\d+))?$", item, &m))
        {
          g_autofree char *code = fetch (m, 1);
          if (code == NULL || code[0] == '\0' || g_str_equal (code, "0"))
            return FALSE;
          *fatal = TRUE;
        }
      else if (match ("^goto\\s+:?(\\w+)$", item, &m))
        {
          g_autofree char *label = fetch (m, 1);
          g_hash_table_add (bat->labels, g_ascii_strdown (label, -1));
          *fatal = TRUE;
        }
      else
        return FALSE;
    }
  *message = msg->len > 0 ? g_strdup (msg->str) : NULL;
  return TRUE;
}

static gboolean
make_check (Bat        *bat,
            const char *message)
{
  guint line = bat->status_line;

  return ub_script_match_check (&bat->b, line, text_of (bat, line), bat->status_var,
                                bat->status_pattern, FALSE, message, bat->error) != NULL;
}

static gboolean run_if_block (Bat *bat, guint line, UbConditionKind kind, const char *name,
                              const char *pattern, gboolean negate);

/* A line starting with fastboot (possibly a findstr check, possibly chained). */
static gboolean
run_fastboot_line (Bat        *bat,
                   guint       line,
                   const char *text)
{
  g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (Op));
  g_autoptr(GPtrArray) parts = split_chain (text, ops);
  g_autofree char *var = NULL;
  g_autoptr(GString) pattern = g_string_new (NULL);
  g_autofree char *message = NULL;
  g_autofree char *key = NULL;
  gboolean fatal = FALSE, ok;
  guint i = 0;

  status_reset (bat);

  /* getvar X 2>&1 | findstr … [|| getvar X 2>&1 | findstr …]… */
  while (i + 1 < parts->len && g_array_index (ops, Op, i) == OP_PIPE)
    {
      g_auto(GStrv) argv = fastboot_argv (bat, g_ptr_array_index (parts, i));
      g_autofree char *name = argv ? ub_script_getvar_name (argv) : NULL;
      const char *why = NULL;
      g_autofree char *pcre = findstr_pattern (g_ptr_array_index (parts, i + 1), &why);

      if (strchr (g_ptr_array_index (parts, i + 1), '%') != NULL)
        return fail (bat, line, _("Unbrick cannot resolve a variable on this line"));
      if (why != NULL)
        return fail (bat, line, why);
      if (name != NULL && !stderr_piped (g_ptr_array_index (parts, i)))
        return fail (bat, line, _("fastboot prints getvar's answer on stderr: without “2>&1” "
                                  "before the pipe, findstr sees nothing"));
      if (name == NULL || pcre == NULL || (var != NULL && !g_str_equal (var, name)))
        return fail (bat, line, _("this check is not one Unbrick understands"));
      if (var == NULL)
        var = g_steal_pointer (&name);
      if (pattern->len > 0)
        g_string_append_c (pattern, '|');
      g_string_append (pattern, pcre);
      i += 2;
      if (i < parts->len && g_array_index (ops, Op, i - 1) == OP_OR &&
          i + 1 < parts->len && g_array_index (ops, Op, i) == OP_PIPE &&
          g_str_has_prefix (g_ptr_array_index (parts, i), "fastboot"))
        continue;
      break;
    }

  if (var != NULL)
    {
      bat->status = STATUS_MATCH;
      bat->status_var = g_steal_pointer (&var);
      bat->status_pattern = g_strdup (pattern->str);
      bat->status_line = line;
      if (i >= parts->len)
        return TRUE;
      /* "… | findstr … && if %errorlevel% equ 0 (": the block runs when it matched */
      if (i + 1 == parts->len && g_array_index (ops, Op, i - 1) == OP_AND &&
          match ("^if\\s+%errorlevel%\\s+(?:equ|==)\\s+0\\s*\\($", g_ptr_array_index (parts, i), NULL))
        {
          g_autofree char *v = g_strdup (bat->status_var);
          g_autofree char *p = g_strdup (bat->status_pattern);

          status_reset (bat);
          return run_if_block (bat, line, UB_CONDITION_VAR, v, p, FALSE);
        }
      if (g_array_index (ops, Op, i - 1) == OP_PIPE ||
          !read_handler (bat, parts, ops, i, &message, &fatal))
        return fail (bat, line, _("this check is not one Unbrick understands"));
      /* "… | findstr … && echo … && exit /B 1": the script stops when it matched */
      if (g_array_index (ops, Op, i - 1) == OP_AND)
        {
          ok = !fatal || ub_script_match_check (&bat->b, line, text_of (bat, line), bat->status_var,
                                                bat->status_pattern, TRUE, message,
                                                bat->error) != NULL;
          status_reset (bat);
          return ok;
        }
      key = g_strconcat (bat->variant ? bat->variant : "", bat->status_var, " ",
                         bat->status_pattern, NULL);
      if (!fatal)
        {
          /* "… || echo Missmatching image and device": its twin line stops the script */
          if (!bat->variant)
            g_hash_table_remove_all (bat->pending);
          g_hash_table_replace (bat->pending, g_steal_pointer (&key), g_steal_pointer (&message));
          status_reset (bat);
          return TRUE;
        }
      if (message == NULL)
        message = g_strdup (g_hash_table_lookup (bat->pending, key));
      /* the other variant's twin stays for its own check */
      if (bat->variant)
        g_hash_table_remove (bat->pending, key);
      else
        g_hash_table_remove_all (bat->pending);
      ok = make_check (bat, message);
      status_reset (bat);
      return ok;
    }

  {
    g_auto(GStrv) argv = fastboot_argv (bat, g_ptr_array_index (parts, 0));

    if (argv == NULL)
      return fail (bat, line, _("Unbrick cannot resolve a variable on this line"));
    if (parts->len > 1 && g_array_index (ops, Op, 0) != OP_OR)
      return fail (bat, line, _("this command chain is not one Unbrick understands"));
    if (parts->len > 1 && !read_handler (bat, parts, ops, 1, &message, &fatal))
      return fail (bat, line, _("Unbrick only understands reporting an error and stopping after “||”"));
    if (ub_script_fastboot_step (&bat->b, line, text, argv, bat->error) == NULL)
      return FALSE;
    bat->status = STATUS_STEP;
    bat->status_n_steps = bat->b.line_steps;
    bat->status_first = bat->b.steps->len - bat->b.line_steps;
    ub_script_builder_on_failure (&bat->b, bat->status_first, bat->status_n_steps, fatal, TRUE,
                                  message);
    return TRUE;
  }
}

static gboolean run_block (Bat *bat, gboolean in_block, gboolean *closed_with_else);

/* The else ( … ) block after one that closed with ") else (": a second
 * else is refused, naming the line. */
static gboolean
run_else_block (Bat   *bat,
                guint  line)
{
  gboolean again = FALSE;

  if (!run_block (bat, TRUE, &again))
    return FALSE;
  return again ? fail (bat, line, _("this shell syntax is not supported")) : TRUE;
}

/* Runs a ( … ) [else ( … )] block under a condition. */
static gboolean
run_if_block (Bat             *bat,
              guint            line,
              UbConditionKind  kind,
              const char      *name,
              const char      *pattern,
              gboolean         negate)
{
  gboolean has_else = FALSE;

  ub_script_builder_push_guard (&bat->b, kind, name, pattern, negate);
  if (!run_block (bat, TRUE, &has_else))
    return FALSE;
  ub_script_builder_pop_guard (&bat->b);
  if (has_else)
    {
      ub_script_builder_push_guard (&bat->b, kind, name, pattern, !negate);
      if (!run_else_block (bat, line))
        return FALSE;
      ub_script_builder_pop_guard (&bat->b);
    }
  status_reset (bat);
  return TRUE;
}

/* The lines of a block that must be an error exit: echo … / exit /B N. */
static gboolean
read_exit_block (Bat   *bat,
                 guint  line,
                 char **message)
{
  g_autoptr(GString) msg = g_string_new (NULL);
  gboolean exits = FALSE;

  while (bat->i < bat->n_lines)
    {
      const char *text = g_strstrip (bat->lines[bat->i++]);
      g_autoptr(GMatchInfo) m = NULL;

      if (text[0] == '@')
        text++;
      if (text[0] == '\0')
        continue;
      if (g_str_equal (text, ")"))
        {
          if (!exits)
            return fail (bat, line, _("Unbrick only understands stopping the script here"));
          *message = msg->len ? g_strdup (msg->str) : NULL;
          return TRUE;
        }
      if (exits)
        return fail (bat, bat->i, _("Unbrick only understands stopping the script here"));
      if (match ("^echo\\s+(.*)$", text, &m))
        {
          g_autofree char *t = fetch (m, 1);
          g_autofree char *clean = unquote (t);
          if (msg->len)
            g_string_append_c (msg, ' ');
          g_string_append (msg, clean);
        }
      else if (match ("^pause$", text, NULL))
        ;
      else if (match ("^exit(?:\\s+/b)?\\s+([1-9]\\d*)$", text, NULL))
        exits = TRUE;
      else
        return fail (bat, bat->i, _("Unbrick only understands stopping the script here"));
    }
  return fail (bat, line, _("a “(” block is never closed"));
}

static UbValKind
lookup_kind (Bat        *bat,
             GMatchInfo *m,
             guint       group)
{
  g_autofree char *name = fetch (m, group);
  UbScriptVal *val = lookup (bat, name);

  return val != NULL ? val->kind : UB_VAL_INT;
}

static gboolean
is_number (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}


/* Whether line @line ends in blanks in the file (cmd keeps them in a set value);
 * ub_script_new_from_data made every line end LF, which the split removed. */
static gboolean
has_trailing_blank (Bat   *bat,
                    guint  line)
{
  const char *o = bat->orig[line - 1];
  gsize n = strlen (o);

  return n > 0 && (o[n - 1] == ' ' || o[n - 1] == '\t');
}

/*
 * "set NAME=VALUE" or set "NAME=VALUE": *raw is the value exactly as cmd
 * stores it (quotes kept in the first form), or NULL when cmd would change
 * it (a caret). FALSE when this is not a set; *chained when cmd would run
 * more than the set (an unquoted &, |, < or >).
 */
static gboolean
read_set (const char  *text,
          char       **name,
          char       **raw,
          gboolean    *chained)
{
  g_autoptr(GMatchInfo) m = NULL;
  g_autofree char *n1 = NULL, *v1 = NULL, *n3 = NULL, *v3 = NULL;
  gboolean quoted = FALSE, caret = FALSE;

  *chained = FALSE;
  if (!match ("^set\\s+(?:\"(\\w+)=([^\"]*)\"|(\\w+)=(.*))$", text, &m))
    return FALSE;
  n1 = fetch (m, 1), v1 = fetch (m, 2), n3 = fetch (m, 3), v3 = fetch (m, 4);
  if (n1 != NULL && n1[0] != '\0')
    {
      *name = g_steal_pointer (&n1);
      *raw = g_steal_pointer (&v1);
      return TRUE;
    }
  for (const char *p = v3; *p; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (!quoted && strchr ("&|<>", *p) != NULL)
        *chained = TRUE;
      else if (!quoted && *p == '^')
        caret = TRUE;
    }
  *name = g_steal_pointer (&n3);
  *raw = caret ? NULL : g_steal_pointer (&v3);
  return TRUE;
}

/*
 * cmd's %NAME% expansion of the folder-dependent variables in @text, with
 * the values for a folder name that matches (@matches) or not; the other
 * % forms are left for later. NULL when the line uses none; *several when it
 * uses more than one folder pattern.
 */
static char *
expand_choice (Bat         *bat,
               const char  *text,
               gboolean     matches,
               const char **pattern,
               gboolean    *several)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean any = FALSE;

  *pattern = NULL;
  *several = FALSE;
  for (const char *p = text; *p; p++)
    {
      const char *end, *q;
      g_autofree char *name = NULL;
      UbScriptVal *val;

      if (*p != '%')
        {
          g_string_append_c (out, *p);
          continue;
        }
      /* %%, %*, %0…%9, %~dp0 */
      for (q = p + 1; *q == '~' || (q > p + 1 && g_ascii_isalpha (*q)); q++)
        ;
      if (p[1] == '%' || p[1] == '*' || g_ascii_isdigit (*q))
        {
          end = p[1] == '%' || p[1] == '*' ? p + 1 : q;
          g_string_append_len (out, p, end - p + 1);
          p = end;
          continue;
        }
      if ((end = strchr (p + 1, '%')) == NULL)
        {
          g_string_append (out, p);
          break;
        }
      name = g_strndup (p + 1, end - p - 1);
      val = lookup (bat, name);
      if (val != NULL && val->kind == UB_VAL_FOLDER_CHOICE)
        {
          if (*pattern != NULL && !g_str_equal (*pattern, val->pattern))
            *several = TRUE;
          *pattern = val->pattern;
          g_string_append (out, matches ? val->raw : val->other);
          any = TRUE;
        }
      else
        g_string_append_len (out, p, end - p + 1);
      p = end;
    }
  return any ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/*
 * A line using a variable that depends on the ROM folder's name (set by
 * "echo %folder% | findstr … || set p=…"): cmd substitutes the text before
 * reading the line, so a fastboot line is read once per value, each under a
 * condition on the folder's name (run_line refused lines with two folder
 * patterns). An echo is shown as written.
 */
static gboolean
run_choice_line (Bat        *bat,
                 guint       line,
                 const char *text)
{
  g_autoptr(GMatchInfo) m = NULL;
  const char *pattern = NULL;
  gboolean several = FALSE;

  status_reset (bat);
  if (match ("^echo(?:\\s+(.*))?$", text, &m))
    {
      g_autofree char *t = fetch (m, 1);
      UbFlashStep *step;

      for (guint k = 0; k < 2; k++)
        {
          g_autofree char *e = expand_choice (bat, text, k == 0, &pattern, &several);
          if (strpbrk (e, "|&<>") != NULL)
            return fail (bat, line, _("this command chain is not one Unbrick understands"));
        }
      step = ub_script_builder_add (&bat->b, UB_STEP_ECHO, line, text);
      step->arg = unquote (t ? t : "");
      return TRUE;
    }
  if (!match ("^fastboot(?:\\.exe)?\\s", text, NULL))
    return fail (bat, line, _("Unbrick cannot resolve a variable on this line"));
  for (guint k = 0; k < 2; k++)
    {
      g_autofree char *e = expand_choice (bat, text, k == 0, &pattern, &several);
      gboolean ok;

      ub_script_builder_push_guard (&bat->b, UB_CONDITION_FOLDER, NULL, pattern, k != 0);
      bat->variant = g_strconcat (k == 0 ? "+" : "-", pattern, " ", NULL);
      ok = run_fastboot_line (bat, line, e);
      g_clear_pointer (&bat->variant, g_free);
      ub_script_builder_pop_guard (&bat->b);
      if (!ok)
        return FALSE;
    }
  /* what follows cannot ask which of the two ran */
  status_reset (bat);
  return TRUE;
}

static gboolean
run_line (Bat        *bat,
          guint       line,
          const char *text)
{
  g_autoptr(GMatchInfo) m = NULL;

  /* a variable that depends on the ROM folder's name */
  {
    const char *pattern;
    gboolean several;
    g_autofree char *e = expand_choice (bat, text, TRUE, &pattern, &several);

    if (e != NULL && several)
      return fail (bat, line, _("Unbrick cannot resolve a variable on this line"));
    if (e != NULL)
      return run_choice_line (bat, line, text);
  }

  /* if exist "%~dp0images\x.txt" (for /f … %%a in ("%~dp0images\x.txt") do (set V=%%a)) */
  if (match ("^if\\s+exist\\s+(\"?[^\"\\s]+\"?)\\s+\\(\\s*for\\s+/f\\s+(?:\"[^\"]*\"\\s+)?%%(\\w)\\s+in\\s+\\((\"?[^\"\\s]+\"?)\\)\\s+do\\s+\\(\\s*set\\s+(\\w+)=%%\\2\\s*\\)\\s*\\)$",
             text, &m))
    {
      g_autofree char *p1 = fetch (m, 1), *p3 = fetch (m, 3), *name = fetch (m, 4);
      g_autofree char *u1 = unquote (p1), *u3 = unquote (p3);
      g_autofree char *e = expand (bat, u3);
      g_autofree char *path = NULL;
      const char *why = NULL;

      if (g_ascii_strcasecmp (u1, u3) != 0 || e == NULL ||
          (path = ub_script_rom_path (e, &why)) == NULL)
        return fail (bat, line, why ? why : _("Unbrick cannot tell what this variable holds"));
      store (bat, name, ub_script_val_new (UB_VAL_PKGFILE, path));
      status_reset (bat);
      return TRUE;
    }

  /* if exist PATH ( / if not exist PATH ( */
  if (match ("^if\\s+(not\\s+)?exist\\s+(\"?[^\"\\s]+\"?)\\s*\\($", text, &m))
    {
      g_autofree char *neg = fetch (m, 1), *p = fetch (m, 2);
      g_autofree char *u = unquote (p);
      g_autofree char *e = expand (bat, u);
      g_autofree char *path = NULL;
      const char *why = NULL;

      if (e == NULL || (path = ub_script_rom_path (e, &why)) == NULL)
        return fail (bat, line, why ? why : _("Unbrick cannot resolve a variable on this line"));
      status_reset (bat);
      return run_if_block (bat, line, UB_CONDITION_FILE, path, NULL, neg != NULL && neg[0] != '\0');
    }

  /* if %errorlevel% equ 0 ( → the previous findstr matched */
  if (match ("^if\\s+%errorlevel%\\s+(?:equ|==)\\s+0\\s*\\($", text, NULL))
    {
      g_autofree char *var = NULL, *pattern = NULL;

      if (bat->status != STATUS_MATCH)
        return fail (bat, line, _("this condition is not one Unbrick understands"));
      var = g_strdup (bat->status_var);
      pattern = g_strdup (bat->status_pattern);
      status_reset (bat);
      return run_if_block (bat, line, UB_CONDITION_VAR, var, pattern, FALSE);
    }

  /* if %errorlevel% neq 0 ( echo …  exit /B 1 ) → the previous command must succeed */
  if (match ("^if\\s+(?:%errorlevel%\\s+(?:neq|gtr|geq)\\s+[01]|errorlevel\\s+1)\\s*\\($", text, NULL))
    {
      g_autofree char *message = NULL;

      if (!read_exit_block (bat, line, &message))
        return FALSE;
      if (bat->status == STATUS_STEP)
        ub_script_builder_on_failure (&bat->b, bat->status_first, bat->status_n_steps, TRUE,
                                      TRUE, message);
      else if (bat->status == STATUS_MATCH)
        {
          if (!make_check (bat, message))
            return FALSE;
        }
      else
        return fail (bat, line, _("this checks the result of something that is not a fastboot command"));
      status_reset (bat);
      return TRUE;
    }

  /* if [%X%] EQU [] set X=0  (also "if "%X%"=="" set X=0") */
  if (match ("^if\\s+(?:\\[%(\\w+)%\\]\\s+(?:equ|==)\\s+\\[\\]|\"%(\\w+)%\"\\s*==\\s*\"\")\\s+set\\s+\"?(\\w+)=0\"?$",
             text, &m))
    {
      g_autofree char *name = fetch (m, 3), *t1 = fetch (m, 1), *t2 = fetch (m, 2);
      const char *tested = t1 != NULL && t1[0] != '\0' ? t1 : t2;
      UbScriptVal *val = lookup (bat, name);

      /* only "the variable is empty, make it 0"; another test sets it only sometimes */
      if (g_ascii_strcasecmp (tested, name) != 0)
        return fail (bat, line, _("this condition is not one Unbrick understands"));
      if (val == NULL)
        store (bat, name, ub_script_val_new (UB_VAL_INT, NULL));
      else if (val->kind == UB_VAL_DEVVAR)
        val->empty_is_zero = TRUE;
      status_reset (bat);
      return TRUE;
    }

  /* if [%X%] EQU [] ( set Y=0 ) else ( … ): assignments only */
  if (match ("^if\\s+\\[%(\\w+)%\\]\\s+(?:equ|==)\\s+\\[\\]\\s*\\($", text, NULL))
    {
      gboolean has_else = FALSE;
      guint before = bat->b.steps->len;

      status_reset (bat);
      if (!run_block (bat, TRUE, &has_else))
        return FALSE;
      if (has_else && !run_else_block (bat, line))
        return FALSE;
      if (bat->b.steps->len != before)
        return fail (bat, line, _("this condition is not one Unbrick understands"));
      return TRUE;
    }

  /* for /f "tokens=2 delims=: " %%i in ('fastboot %* getvar anti 2^>^&1 ^| findstr /r /c:"anti:"') do (set version=%%i) */
  if (match ("^for\\s+/f\\s+\"tokens=2\\s+delims=:\\s*\"\\s+%%(\\w)\\s+in\\s+\\('fastboot(?:\\s+%\\*)?\\s+getvar\\s+([\\w:.-]+)\\s+2\\^>\\^&1\\s+\\^\\|\\s+findstr\\s+(?:/r\\s+)?/c:\"\\^?([\\w:.-]+) ?\"'\\)\\s+do\\s+\\(?\\s*set\\s+(\\w+)=%%\\1\\s*\\)?$",
             text, &m))
    {
      g_autofree char *var = fetch (m, 2), *pat = fetch (m, 3), *name = fetch (m, 4);
      g_autofree char *expected = g_strdup_printf ("%s:", var);

      if (!g_str_equal (pat, expected))
        return fail (bat, line, _("Unbrick cannot tell what this variable holds"));
      /* tokens=2 delims=: splits the whole "NAME: VALUE" line, the name too */
      if (strchr (var, ':') != NULL)
        return fail (bat, line, _("cmd splits this variable's name at “:”, so Unbrick cannot "
                                  "tell which part the script reads"));
      store (bat, name, ub_script_val_new (UB_VAL_DEVVAR, var));
      status_reset (bat);
      return TRUE;
    }

  /* for /f "delims=" %%a in ('powershell -Command "$dateString = '%X%'; $date = Get-Date $dateString; ($date - (Get-Date '1970-01-01')).TotalSeconds"') do set "Y=%%a" */
  if (match ("^for\\s+/f\\s+\"delims=\"\\s+%%(\\w)\\s+in\\s+\\('powershell\\s+-Command\\s+\"\\$dateString\\s*=\\s*'%(\\w+)%';\\s*\\$date\\s*=\\s*Get-Date\\s+\\$dateString;\\s*\\(\\$date\\s*-\\s*\\(Get-Date\\s+'1970-01-01'\\)\\)\\.TotalSeconds\"'\\)\\s+do\\s+set\\s+\"(\\w+)=%%\\1\"$",
             text, &m))
    {
      g_autofree char *from = fetch (m, 2), *name = fetch (m, 3);
      UbScriptVal *src = lookup (bat, from);
      UbScriptVal *val;

      if (src == NULL || (src->kind != UB_VAL_PKGFILE && src->kind != UB_VAL_DEVVAR) || src->date)
        return fail (bat, line, _("Unbrick cannot tell what this variable holds"));
      val = ub_script_val_new (src->kind, src->s);
      val->date = TRUE;
      store (bat, name, val);
      status_reset (bat);
      return TRUE;
    }

  /* for /f "delims=" %%i in ("%cd%") do set folder=%%~nxi: the ROM folder's name
   * (%%~ni: without what follows its last dot, only ever shown) */
  if (match ("^for\\s+/f\\s+\"delims=\"\\s+%%(\\w)\\s+in\\s+\\(\"%cd%\"\\)\\s+do\\s+\\(?\\s*set\\s+\"?(\\w+)=%%~(nx?)\\1\"?\\s*\\)?$",
             text, &m))
    {
      g_autofree char *name = fetch (m, 2), *mods = fetch (m, 3);

      store (bat, name, ub_script_val_new (g_ascii_strcasecmp (mods, "nx") == 0 ? UB_VAL_FOLDER
                                                                                : UB_VAL_FOLDER_PART,
                                           NULL));
      status_reset (bat);
      return TRUE;
    }

  /* set p=%folder:~2,5%: a part of the folder's name, only ever shown */
  if (match ("^set\\s+\"?(\\w+)=%(\\w+):~-?\\d+(?:,-?\\d+)?%\"?$", text, &m) &&
      (lookup_kind (bat, m, 2) == UB_VAL_FOLDER || lookup_kind (bat, m, 2) == UB_VAL_FOLDER_PART))
    {
      g_autofree char *name = fetch (m, 1);

      store (bat, name, ub_script_val_new (UB_VAL_FOLDER_PART, NULL));
      status_reset (bat);
      return TRUE;
    }

  /* echo %folder% | findstr … || echo … && exit /B 1 (or && … when it must not match);
   * … || set p=…: p depends on the folder's name */
  if (match ("^echo(\\s+)%(\\w+)%(\\s+2>&1)?(\\s*)\\|\\s*(findstr\\s.*)$", text, &m) &&
      lookup_kind (bat, m, 2) == UB_VAL_FOLDER)
    {
      g_autofree char *lead = fetch (m, 1), *redirect = fetch (m, 3), *blanks = fetch (m, 4);
      g_autofree char *rest = fetch (m, 5);
      g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (Op));
      g_autoptr(GPtrArray) parts = split_chain (rest, ops);
      const char *why = NULL;
      g_autofree char *pcre = findstr_pattern (g_ptr_array_index (parts, 0), &why);
      g_autofree char *message = NULL, *name = NULL, *raw = NULL;
      gboolean fatal = FALSE, chained = FALSE;
      UbFlashStep *check;

      status_reset (bat);
      if (strchr (g_ptr_array_index (parts, 0), '%') != NULL)
        return fail (bat, line, _("Unbrick cannot resolve a variable on this line"));
      if (why != NULL)
        return fail (bat, line, why);
      /* echo passes on the blanks after the first one and before the pipe: the
       * folder's name is matched as "NAME " */
      if (!g_str_equal (lead, " ") ||
          ((redirect == NULL || redirect[0] == '\0') && !g_str_equal (blanks, " ")))
        /* xgettext:no-c-format */
        return fail (bat, line, _("Unbrick only reads “echo %folder% | findstr” with one space "
                                  "on each side of the name"));
      /* with 2>&1, how many blanks echo leaves before the pipe is cmd's business:
       * only words, which cannot reach them, are read */
      if (pcre != NULL && redirect != NULL && redirect[0] != '\0' &&
          !match ("^(?:\\(\\?i:[a-z0-9_-]+\\)|[a-z0-9_-]+)(?:\\|(?:\\(\\?i:[a-z0-9_-]+\\)|[a-z0-9_-]+))*$",
                  pcre, NULL))
        return fail (bat, line, _("this check is not one Unbrick understands"));
      if (pcre != NULL && parts->len == 2 && g_array_index (ops, Op, 0) != OP_PIPE &&
          read_set (g_ptr_array_index (parts, 1), &name, &raw, &chained))
        {
          UbScriptVal *old = lookup (bat, name);
          UbScriptVal *val;
          gboolean on_match = g_array_index (ops, Op, 0) == OP_AND;

          if (chained)
            return fail (bat, line, _("this command chain is not one Unbrick understands"));
          /* a % or ! in the value would be expanded where p is used, with later values */
          if (old == NULL || old->kind != UB_VAL_STRING || old->raw == NULL || raw == NULL ||
              strpbrk (raw, "%!") != NULL || has_trailing_blank (bat, line))
            return fail (bat, line, _("Unbrick cannot tell what this variable holds"));
          val = ub_script_val_new (UB_VAL_FOLDER_CHOICE, NULL);
          val->raw = g_strdup (on_match ? raw : old->raw);
          val->other = g_strdup (on_match ? old->raw : raw);
          val->pattern = g_steal_pointer (&pcre);
          store (bat, name, val);
          return TRUE;
        }
      if (pcre == NULL || parts->len < 2 || g_array_index (ops, Op, 0) == OP_PIPE ||
          !read_handler (bat, parts, ops, 1, &message, &fatal) || !fatal)
        return fail (bat, line, _("this check is not one Unbrick understands"));
      check = ub_script_builder_add (&bat->b, UB_STEP_CHECK_FOLDER, line, text);
      check->pattern = g_steal_pointer (&pcre);
      check->refuse_match = g_array_index (ops, Op, 0) == OP_AND;
      check->fatal = TRUE;
      check->error_message = g_steal_pointer (&message);
      return TRUE;
    }

  /* if %X% LEQ 10000 ( echo … exit /B 1 ): a device value compared with a number */
  if (match ("^if\\s+%(\\w+)%\\s+(equ|neq|lss|leq|gtr|geq)\\s+([^\\s%()]+)\\s*\\((.*)$", text, &m))
    {
      g_autofree char *name = fetch (m, 1), *op = fetch (m, 2), *number = fetch (m, 3);
      g_autofree char *inline_part = fetch (m, 4);
      g_autofree char *message = NULL;
      UbScriptVal *val = lookup (bat, name);
      UbFlashStep *check;
      gint64 n;

      status_reset (bat);
      if (val == NULL || val->kind != UB_VAL_DEVVAR || val->date ||
          !ub_script_cmd_number (number, &n))
        return fail (bat, line, _("this comparison is not one Unbrick understands"));
      g_strstrip (inline_part);
      if (inline_part[0] == '\0')
        {
          if (!read_exit_block (bat, line, &message))
            return FALSE;
        }
      else
        {
          /* one line: ( echo … && exit /B 1 ) */
          g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (Op));
          g_autoptr(GPtrArray) parts = NULL;
          gboolean fatal = FALSE;
          gsize len = strlen (inline_part);

          if (len == 0 || inline_part[len - 1] != ')')
            return fail (bat, line, _("Unbrick only understands stopping the script here"));
          inline_part[len - 1] = '\0';
          parts = split_chain (inline_part, ops);
          if (!read_handler (bat, parts, ops, 0, &message, &fatal) || !fatal)
            return fail (bat, line, _("Unbrick only understands stopping the script here"));
        }
      check = ub_script_builder_add (&bat->b, UB_STEP_CHECK_NUMBER, line, text);
      check->var = g_strdup (val->s);
      check->arg = g_ascii_strdown (op, -1);
      check->package_value = n;
      check->empty_is_zero = val->empty_is_zero;
      check->fatal = TRUE;
      check->error_message = g_steal_pointer (&message);
      return TRUE;
    }

  /* if %A% GTR %B% set FLAG="message" */
  if (match ("^if\\s+%(\\w+)%\\s+gtr\\s+%(\\w+)%\\s+set\\s+(\\w+)=(.*)$", text, &m))
    {
      g_clear_pointer (&bat->compare.a, g_free);
      g_clear_pointer (&bat->compare.b, g_free);
      g_clear_pointer (&bat->compare.flag, g_free);
      bat->compare.a = fetch (m, 1);
      bat->compare.b = fetch (m, 2);
      bat->compare.flag = fetch (m, 3);
      bat->compare.line = line;
      status_reset (bat);
      return TRUE;
    }

  /* if %A% GTR %B% ( echo … exit /B 1 ) */
  if (match ("^if\\s+%(\\w+)%\\s+gtr\\s+%(\\w+)%\\s*\\($", text, &m))
    {
      g_autofree char *a = fetch (m, 1), *b = fetch (m, 2);
      g_autofree char *message = NULL;

      status_reset (bat);
      if (!read_exit_block (bat, line, &message))
        return FALSE;
      return ub_script_version_check (&bat->b, line, text, lookup (bat, a), lookup (bat, b),
                                      message, bat->error) != NULL;
    }

  /* echo %FLAG% | findstr /r /c:"pass" || @echo "…" && exit /B 1 */
  if (match ("^echo\\s+%(\\w+)%\\s*\\|\\s*findstr\\s+(?:/r\\s+)?/c:\"pass\"\\s*\\|\\|(.*)$", text, &m))
    {
      g_autofree char *flag = fetch (m, 1), *rest = fetch (m, 2);
      g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (Op));
      g_autoptr(GPtrArray) parts = split_chain (rest, ops);
      g_autofree char *message = NULL;
      gboolean fatal = FALSE;

      status_reset (bat);
      if (bat->compare.flag == NULL || g_ascii_strcasecmp (flag, bat->compare.flag) != 0 ||
          !read_handler (bat, parts, ops, 0, &message, &fatal) || !fatal)
        return fail (bat, line, _("this check is not one Unbrick understands"));
      if (ub_script_version_check (&bat->b, bat->compare.line, text_of (bat, bat->compare.line),
                                   lookup (bat, bat->compare.a), lookup (bat, bat->compare.b),
                                   message, bat->error) == NULL)
        return FALSE;
      g_clear_pointer (&bat->compare.flag, g_free);
      return TRUE;
    }

  /* set X=value / set "X=value" */
  {
    g_autofree char *name = NULL, *raw = NULL;
    gboolean chained;

    if (read_set (text, &name, &raw, &chained))
      {
        g_autofree char *value = NULL;
        UbScriptVal *val;

        status_reset (bat);
        if (chained)
          return fail (bat, line, _("this command chain is not one Unbrick understands"));
        if (raw == NULL || strpbrk (raw, "%!") != NULL)
          return fail (bat, line, _("Unbrick cannot tell what this variable holds"));
        value = unquote (raw);
        if (is_number (value))
          {
            val = ub_script_val_new (UB_VAL_INT, NULL);
            val->n = g_ascii_strtoll (value, NULL, 10);
          }
        else
          {
            val = ub_script_val_new (UB_VAL_STRING, value);
            /* cmd keeps blanks at the end of the line in the value */
            if (!has_trailing_blank (bat, line))
              val->raw = g_steal_pointer (&raw);
          }
        store (bat, name, val);
        return TRUE;
      }
  }

  /* harmless console housekeeping ("pause 10": cmd's pause ignores what follows
   * it and waits for a key, "pause>nul" silently; Unbrick does not wait) */
  if (match ("^(?:echo\\s+(?:off|on)|setlocal(?:\\s.*)?|endlocal|cls|pause(?:\\s+\\w+)?(?:\\s*>\\s*nul)?|title(?:\\s.*)?|color(?:\\s.*)?|chcp(?:\\s.*)?|cd\\s+/d\\s+\"?%~dp0\"?|pushd\\s+\"?%~dp0\"?|popd|cd\\s+\"?%~dp0\"?)$",
             text, NULL))
    return TRUE;

  if (match ("^fastboot(?:\\.exe)?(\\s|$)", text, NULL))
    return run_fastboot_line (bat, line, text);

  if (match ("^echo(?:\\s+(.*))?$", text, &m))
    {
      g_autofree char *t = fetch (m, 1);
      UbFlashStep *step;

      if (t != NULL && (strchr (t, '|') != NULL || strchr (t, '>') != NULL || strchr (t, '&') != NULL))
        return fail (bat, line, _("this command chain is not one Unbrick understands"));
      step = ub_script_builder_add (&bat->b, UB_STEP_ECHO, line, text);
      step->arg = unquote (t ? t : "");
      return TRUE;
    }

  if (match ("^exit(?:\\s+/b)?(?:\\s+(\\d+))?$", text, &m))
    {
      g_autofree char *code = fetch (m, 1);
      if (code != NULL && code[0] != '\0' && !g_str_equal (code, "0"))
        return fail (bat, line, _("the script stops with an error here"));
      ub_script_builder_add (&bat->b, UB_STEP_EXIT, line, text);
      return TRUE;
    }

  /* timeout [/t] N [/nobreak]: /t may be left out */
  if (match ("^timeout\\s+(?:/t\\s+)?(\\d+)(?:\\s+/nobreak)?(?:\\s*>\\s*nul)?$", text, &m))
    {
      g_autofree char *seconds = fetch (m, 1);
      UbFlashStep *step;

      /* as for sh's sleep: a pause, not hours of waiting */
      if (strlen (seconds) > 3 || g_ascii_strtoull (seconds, NULL, 10) > 600)
        return fail (bat, line, _("not a number of seconds"));
      step = ub_script_builder_add (&bat->b, UB_STEP_SLEEP, line, text);
      step->arg = g_strdup_printf ("%" G_GUINT64_FORMAT, g_ascii_strtoull (seconds, NULL, 10));
      return TRUE;
    }

  /* The old cmd idiom for a pause: "ping 127.0.0.1 -n 5 -w 1000 > nul" sends N echo
   * requests to this computer, one a second, so it waits N − 1 seconds. */
  if (match ("^ping\\s+(?:(?:127\\.0\\.0\\.1|localhost)\\s+-n\\s+(\\d+)|-n\\s+(\\d+)\\s+(?:127\\.0\\.0\\.1|localhost))"
             "(?:\\s+-w\\s+\\d+)?(?:\\s*>\\s*nul)?$", text, &m))
    {
      g_autofree char *a = fetch (m, 1);
      g_autofree char *b = fetch (m, 2);
      const char *count = (a != NULL && a[0] != '\0') ? a : b;
      guint64 n = g_ascii_strtoull (count, NULL, 10);
      UbFlashStep *step;

      if (n > 600)
        return fail (bat, line, _("this is not a flash step Unbrick knows"));
      step = ub_script_builder_add (&bat->b, UB_STEP_SLEEP, line, text);
      step->arg = g_strdup_printf ("%" G_GUINT64_FORMAT, n > 0 ? n - 1 : 0);
      return TRUE;
    }

  return fail (bat, line, _("this is not a flash step Unbrick knows"));
}

/* After a :label, only the error exits that goto lands on may follow. */
static gboolean
run_labels (Bat *bat)
{
  while (bat->i < bat->n_lines)
    {
      guint line = bat->i + 1;
      const char *text = g_strstrip (bat->lines[bat->i++]);

      if (text[0] == '@')
        text++;
      if (text[0] == '\0' || g_str_has_prefix (text, "::") ||
          match ("^(?:rem(?:\\s.*)?|:\\w+|pause|echo(?:\\s.*)?|exit(?:\\s+/b)?(?:\\s+\\d+)?)$", text, NULL))
        continue;
      return fail (bat, line, _("Unbrick only understands error messages after a label"));
    }
  return TRUE;
}

static gboolean
run_block (Bat      *bat,
           gboolean  in_block,
           gboolean *closed_with_else)
{
  guint open_line = bat->i;

  *closed_with_else = FALSE;
  while (bat->i < bat->n_lines)
    {
      guint line = bat->i + 1;
      char *text = g_strstrip (bat->lines[bat->i++]);

      if (text[0] == '@')
        text++;
      if (text[0] == '\0' || g_str_has_prefix (text, "::") ||
          match ("^rem(?:\\s.*)?$", text, NULL))
        continue;
      if (in_block && g_str_equal (text, ")"))
        return TRUE;
      if (in_block && match ("^\\)\\s*else\\s*\\($", text, NULL))
        {
          *closed_with_else = TRUE;
          return TRUE;
        }
      if (text[0] == ':' && text[1] != ':')
        {
          if (in_block)
            return fail (bat, line, _("a label inside a block is not supported"));
          /* the main flow ends here; what follows is reached only by goto */
          return run_labels (bat);
        }
      if (!run_line (bat, line, text))
        return FALSE;
    }
  if (in_block)
    return fail (bat, open_line, _("a “(” block is never closed"));
  return TRUE;
}

/* A line ending in an unquoted ^ goes on with the next one (in comments too, for
 * all Unbrick knows): cmd would read another command than the lines show. */
static gboolean
check_carets (Bat *bat)
{
  for (guint i = 0; i < bat->n_lines; i++)
    {
      gboolean quoted = FALSE;

      for (const char *p = bat->orig[i]; *p; p++)
        {
          if (*p == '"')
            quoted = !quoted;
          else if (!quoted && *p == '^')
            {
              if (p[1] == '\0')
                return fail (bat, i + 1, _("a “^” at the end of the line joins the next line to "
                                           "it, which Unbrick does not follow"));
              p++;
            }
        }
    }
  return TRUE;
}

GPtrArray *
ub_script_parse_bat (const char  *name,
                     const char  *text,
                     GPtrArray  **notes,
                     GError     **error)
{
  Bat bat = { 0 };
  GPtrArray *steps = NULL;
  gboolean has_else;

  ub_script_builder_init (&bat.b, name);
  bat.lines = g_strsplit (text, "\n", -1);
  bat.orig = g_strdupv (bat.lines);
  bat.pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  bat.n_lines = g_strv_length (bat.lines);
  bat.vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) ub_script_val_free);
  bat.labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  bat.error = error;

  if (check_carets (&bat) && run_block (&bat, FALSE, &has_else))
    {
      steps = g_steal_pointer (&bat.b.steps);
      *notes = g_steal_pointer (&bat.b.notes);
    }
  status_reset (&bat);
  g_hash_table_unref (bat.pending);
  g_free (bat.compare.a);
  g_free (bat.compare.b);
  g_free (bat.compare.flag);
  ub_script_builder_clear (&bat.b);
  g_strfreev (bat.lines);
  g_strfreev (bat.orig);
  g_hash_table_unref (bat.vars);
  g_hash_table_unref (bat.labels);
  return steps;
}
