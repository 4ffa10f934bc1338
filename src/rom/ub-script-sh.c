/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reads a Xiaomi flash_all*.sh as data. The shell parser (ub-shell-parser.c)
 * builds a syntax tree (words with quotes, $VAR, `…` and $(…), pipelines,
 * && ||, if/then/else/fi, { …; }, functions); this recognizer maps the tree onto
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
#include "ub-shell-parser.h"

/* ---- recognizer ----------------------------------------------------------- */

/* What $? holds: unknown, a step's result, a getvar|grep's, or 0 (set -e went on). */
typedef enum { STATUS_NONE, STATUS_STEP, STATUS_MATCH, STATUS_OK } StatusKind;

typedef struct {
  StatusKind       kind;
  guint            first;    /* STEP: the fastboot line's steps in the builder, */
  guint            n_steps;  /* [first, first + n_steps) */
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
  sh->status.first = sh->status.n_steps = 0;
}

static const char *
line_text (Sh    *sh,
           guint  line)
{
  return ub_sh_source_line (sh->lines, line);
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
word_is_var (UbShWord   *word,
             const char *name)
{
  UbShPart *part;

  if (word->parts->len != 1)
    return FALSE;
  part = g_ptr_array_index (word->parts, 0);
  return part->kind == UB_SH_PART_VAR && (name == NULL || g_str_equal (part->text, name));
}

static const char *
word_var_name (UbShWord *word)
{
  return word_is_var (word, NULL) ? ((UbShPart *) g_ptr_array_index (word->parts, 0))->text : NULL;
}

/* A literal word (no expansions), or NULL. */
static const char *
word_literal (UbShWord *word)
{
  UbShPart *part;

  if (word->parts->len == 0)
    return "";
  if (word->parts->len != 1)
    return NULL;
  part = g_ptr_array_index (word->parts, 0);
  return part->kind == UB_SH_PART_LIT ? part->text : NULL;
}

static UbScriptVal *eval_command (Sh *sh, UbShNode *node, char **grep_pcre);

/* The word's text with the script folder and $* as markers; FALSE when it
 * depends on something else. */
static gboolean
word_eval (Sh       *sh,
           UbShWord *word,
           GString  *out)
{
  for (guint i = 0; i < word->parts->len; i++)
    {
      UbShPart *part = g_ptr_array_index (word->parts, i);

      if (part->kind == UB_SH_PART_LIT)
        g_string_append (out, part->text);
      else if (part->kind == UB_SH_PART_VAR)
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
word_render (UbShWord *word,
             GString  *out)
{
  for (guint i = 0; i < word->parts->len; i++)
    {
      UbShPart *part = g_ptr_array_index (word->parts, i);

      if (part->kind == UB_SH_PART_LIT)
        g_string_append (out, part->text);
      else if (part->kind == UB_SH_PART_VAR)
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
simple_argv (Sh       *sh,
             UbShNode *node)
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
simple_is (UbShNode   *node,
           const char *command)
{
  const char *lit;

  if (node->kind != UB_SH_NODE_SIMPLE || node->words->len == 0)
    return FALSE;
  lit = word_literal (g_ptr_array_index (node->words, 0));
  return lit != NULL && g_str_equal (lit, command);
}

static gboolean
redirs_harmless (UbShNode *node)
{
  static const char *const ok[] = { "2>&1", ">/dev/null", "2>/dev/null", ">&2", "1>&2", "1>/dev/null", NULL };

  for (guint i = 0; i < node->redirs->len; i++)
    if (!g_strv_contains (ok, g_ptr_array_index (node->redirs, i)))
      return FALSE;
  return TRUE;
}

/* A list (or group) holding just one node. */
static UbShNode *
single (UbShNode *node)
{
  while (node != NULL && (node->kind == UB_SH_NODE_LIST || node->kind == UB_SH_NODE_GROUP))
    {
      if (node->kind == UB_SH_NODE_GROUP)
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
           UbShNode *node,
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
         UbShNode        *node,
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
eval_command (Sh       *sh,
              UbShNode *node,
              char    **grep_pcre)
{
  UbShNode *cmd = single (node);
  g_auto(GStrv) argv = NULL;

  if (cmd == NULL)
    return NULL;
  if (cmd->kind == UB_SH_NODE_SIMPLE)
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
  if (cmd->kind == UB_SH_NODE_PIPELINE && cmd->children->len >= 2)
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
          UbShNode *awk = g_ptr_array_index (cmd->children, 2);
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
assignment_name_len (UbShWord *word)
{
  UbShPart *first = word->parts->len ? g_ptr_array_index (word->parts, 0) : NULL;
  const char *eq;
  gsize n;

  if (first == NULL || first->kind != UB_SH_PART_LIT || (eq = strchr (first->text, '=')) == NULL)
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
is_assignment (UbShWord  *word,
               char     **name,
               UbShWord **value)
{
  gsize n = assignment_name_len (word);
  UbShPart *first;
  const char *eq;

  if (n == 0)
    return FALSE;
  first = g_ptr_array_index (word->parts, 0);
  eq = first->text + n;
  *name = g_strndup (first->text, n);
  *value = ub_sh_word_new ();
  if (eq[1] != '\0')
    {
      UbShPart *rest = g_new0 (UbShPart, 1);
      rest->kind = UB_SH_PART_LIT;
      rest->text = g_strdup (eq + 1);
      g_ptr_array_add ((*value)->parts, rest);
    }
  for (guint i = 1; i < word->parts->len; i++)
    {
      UbShPart *p = g_ptr_array_index (word->parts, i);
      UbShPart *copy = g_new0 (UbShPart, 1);

      copy->kind = p->kind;
      copy->text = g_strdup (p->text);
      /* a command substitution is moved, not copied */
      copy->cmd = p->cmd;
      p->cmd = NULL;
      p->kind = UB_SH_PART_LIT;
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
assign (Sh       *sh,
        guint     line,
        char     *name,
        UbShWord *value)
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
           ((UbShPart *) g_ptr_array_index (value->parts, 0))->kind == UB_SH_PART_CMD)
    {
      g_autofree char *grep_pcre = NULL;

      val = eval_command (sh, ((UbShPart *) g_ptr_array_index (value->parts, 0))->cmd, &grep_pcre);
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
run_assignments (Sh       *sh,
                 UbShNode *node)
{
  for (guint i = 0; i < node->words->len; i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(UbShWord) value = NULL;

      if (!is_assignment (g_ptr_array_index (node->words, i), &name, &value))
        return fail (sh, node->line, _("this shell syntax is not supported"));
      if (!assign (sh, node->line, name, value))
        return FALSE;
    }
  return TRUE;
}

static gboolean
node_is_assignments (UbShNode *node)
{
  if (node->kind != UB_SH_NODE_SIMPLE || node->words->len == 0)
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
is_error_exit (Sh       *sh,
               UbShNode *node,
               char    **message)
{
  g_autoptr(GString) msg = g_string_new (NULL);
  GPtrArray *items;
  UbShNode *one = single (node);
  gboolean exits = FALSE;

  if (one != NULL && one->kind == UB_SH_NODE_SIMPLE && one->words->len > 0)
    {
      const char *lit = word_literal (g_ptr_array_index (one->words, 0));
      if (lit != NULL && g_hash_table_contains (sh->handlers, lit))
        {
          *message = words_render (one->words, 1);
          return TRUE;
        }
    }
  while (node->kind == UB_SH_NODE_GROUP)
    node = node->body;
  if (node->kind == UB_SH_NODE_LIST)
    items = node->children;
  else
    {
      items = g_ptr_array_new ();
      g_ptr_array_add (items, node);
    }
  for (guint i = 0; i < items->len; i++)
    {
      UbShNode *item = g_ptr_array_index (items, i);

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
  if (node->kind != UB_SH_NODE_LIST)
    g_ptr_array_unref (items);
  if (!exits)
    return FALSE;
  *message = msg->len > 0 ? g_strdup (msg->str) : NULL;
  return TRUE;
}

/* Echo lines without an exit: a message, the script goes on. */
static gboolean
is_echo_only (UbShNode *node,
              char    **message)
{
  UbShNode *one = single (node);

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
    ub_script_builder_on_failure (&sh->b, st->first, st->n_steps, fatal, TRUE, message);
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

static gboolean run_node (Sh *sh, UbShNode *node);

static gboolean
run_list (Sh       *sh,
          UbShNode *list)
{
  for (guint i = 0; i < list->children->len; i++)
    if (!run_node (sh, g_ptr_array_index (list->children, i)))
      return FALSE;
  return TRUE;
}

static gboolean
run_simple (Sh       *sh,
            UbShNode *node)
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
      sh->status.kind = STATUS_STEP;
      sh->status.n_steps = sh->b.line_steps;
      sh->status.first = sh->b.steps->len - sh->b.line_steps;
      if (sh->errexit && sh->exempt == 0)
        ub_script_builder_on_failure (&sh->b, sh->status.first, sh->status.n_steps, TRUE, FALSE,
                                      NULL);
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
run_pipeline (Sh       *sh,
              UbShNode *node)
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
test_words (UbShNode *cond)
{
  UbShNode *one = single (cond);
  GPtrArray *words;
  const char *last;
  guint n;

  if (one == NULL || one->kind != UB_SH_NODE_SIMPLE || one->redirs->len > 0)
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
lit_is (UbShWord   *word,
        const char *s)
{
  const char *lit = word_literal (word);
  return lit != NULL && g_str_equal (lit, s);
}

/* "$X" or "${X}x" (the x idiom) → X */
static const char *
tested_var (UbShWord *word)
{
  UbShPart *a, *b;

  if (word->parts->len == 1)
    return word_var_name (word);
  if (word->parts->len != 2)
    return NULL;
  a = g_ptr_array_index (word->parts, 0);
  b = g_ptr_array_index (word->parts, 1);
  if (a->kind == UB_SH_PART_VAR && b->kind == UB_SH_PART_LIT && g_str_equal (b->text, "x"))
    return a->text;
  return NULL;
}

/* Run a body under an extra condition. */
static gboolean
run_guarded (Sh              *sh,
             UbShNode        *body,
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
bodies_assign_only (UbShNode *then_body,
                    UbShNode *else_body)
{
  UbShNode *bodies[2] = { then_body, else_body };

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
run_body_assignments (Sh       *sh,
                      UbShNode *body)
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
run_if (Sh       *sh,
        UbShNode *node)
{
  UbShNode *cond = g_ptr_array_index (node->children, 0);
  UbShNode *then_body = g_ptr_array_index (node->children, 1);
  UbShNode *else_body = node->has_else ? g_ptr_array_index (node->children, 2) : NULL;
  g_autoptr(GPtrArray) w = test_words (cond);
  g_autofree char *message = NULL;
  guint n;

  if (w == NULL)
    return fail (sh, node->line, _("this condition is not one Unbrick understands"));
  n = w->len;

  /* [ $? -ne 0 ] / [ $? -eq 0 ] */
  if (n == 3 && word_is_var (g_ptr_array_index (w, 0), "?") && lit_is (g_ptr_array_index (w, 2), "0"))
    {
      UbShWord *op = g_ptr_array_index (w, 1);
      gboolean failed = lit_is (op, "-ne") || lit_is (op, "!=");
      gboolean ok = lit_is (op, "-eq") || lit_is (op, "=") || lit_is (op, "==");

      if ((failed || ok) && sh->status.kind == STATUS_OK)
        {
          /* after set -e went on, $? is 0: one branch always runs, the other never */
          UbShNode *taken = ok ? then_body : else_body;

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
        UbShNode *zero = single (then_body);
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
run_node (Sh       *sh,
          UbShNode *node)
{
  g_autofree char *message = NULL;
  gboolean ok;

  switch (node->kind)
    {
    case UB_SH_NODE_SIMPLE:
      return run_simple (sh, node);
    case UB_SH_NODE_PIPELINE:
      return run_pipeline (sh, node);
    case UB_SH_NODE_IF:
      return run_if (sh, node);
    case UB_SH_NODE_GROUP:
      return run_list (sh, node->body);
    case UB_SH_NODE_LIST:
      return run_list (sh, node);
    case UB_SH_NODE_FUNC:
      if (!is_error_exit (sh, node->body, &message))
        return fail (sh, node->line, _("Unbrick only understands functions that report an error and stop"));
      g_hash_table_add (sh->handlers, g_strdup (node->name));
      status_reset (sh);
      return TRUE;
    case UB_SH_NODE_OR:
      if (node->left->kind != UB_SH_NODE_SIMPLE && node->left->kind != UB_SH_NODE_PIPELINE)
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
    case UB_SH_NODE_AND:
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
  g_autoptr(UbShNode) tree = NULL;
  Sh sh = { 0 };
  GPtrArray *steps = NULL;

  tree = ub_sh_parse (name, lines, text, 1, error);
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
