/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The POSIX-shell parser on its own: the tree it builds, and what it refuses. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "ub-rom-error.h"
#include "ub-shell-parser.h"

static void dump_node (GString *out, UbShNode *node);

static void
dump_word (GString  *out,
           UbShWord *word)
{
  g_string_append_c (out, '[');
  if (word->quoted)
    g_string_append_c (out, 'q');
  for (guint i = 0; i < word->parts->len; i++)
    {
      UbShPart *part = g_ptr_array_index (word->parts, i);

      if (i > 0 || word->quoted)
        g_string_append_c (out, ' ');
      switch (part->kind)
        {
        case UB_SH_PART_LIT:
          g_string_append_printf (out, "'%s'", part->text);
          break;
        case UB_SH_PART_VAR:
          g_string_append_printf (out, "$%s", part->text);
          break;
        case UB_SH_PART_CMD:
          g_string_append (out, "$(");
          dump_node (out, part->cmd);
          g_string_append_c (out, ')');
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_string_append_c (out, ']');
}

static void
dump_children (GString  *out,
               UbShNode *node)
{
  for (guint i = 0; i < node->children->len; i++)
    {
      g_string_append_c (out, ' ');
      dump_node (out, g_ptr_array_index (node->children, i));
    }
}

/* (list …) (simple@LINE [word]… <redir>…) (pipe …) (and L R) (or L R)
 * (if@LINE COND BODY [ELSE]) (group LIST) (func NAME (group LIST)) */
static void
dump_node (GString  *out,
           UbShNode *node)
{
  switch (node->kind)
    {
    case UB_SH_NODE_SIMPLE:
      g_string_append_printf (out, "(simple@%u", node->line);
      for (guint i = 0; i < node->words->len; i++)
        {
          g_string_append_c (out, ' ');
          dump_word (out, g_ptr_array_index (node->words, i));
        }
      for (guint i = 0; i < node->redirs->len; i++)
        g_string_append_printf (out, " <%s>", (char *) g_ptr_array_index (node->redirs, i));
      break;
    case UB_SH_NODE_PIPELINE:
      g_string_append (out, "(pipe");
      dump_children (out, node);
      break;
    case UB_SH_NODE_AND:
    case UB_SH_NODE_OR:
      g_string_append (out, node->kind == UB_SH_NODE_AND ? "(and " : "(or ");
      dump_node (out, node->left);
      g_string_append_c (out, ' ');
      dump_node (out, node->right);
      break;
    case UB_SH_NODE_IF:
      g_assert_cmpuint (node->children->len, ==, node->has_else ? 3 : 2);
      g_string_append_printf (out, "(if@%u", node->line);
      dump_children (out, node);
      break;
    case UB_SH_NODE_GROUP:
      g_string_append (out, "(group ");
      dump_node (out, node->body);
      break;
    case UB_SH_NODE_FUNC:
      g_string_append_printf (out, "(func %s ", node->name);
      dump_node (out, node->body);
      break;
    case UB_SH_NODE_LIST:
      g_string_append (out, "(list");
      dump_children (out, node);
      break;
    default:
      g_assert_not_reached ();
    }
  g_string_append_c (out, ')');
}

static char *
parse_dump (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(UbShNode) tree = ub_sh_parse ("t.sh", lines, text, 1, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (tree);
  g_assert_cmpint (tree->kind, ==, UB_SH_NODE_LIST);
  dump_node (out, tree);
  return g_string_free (out, FALSE);
}

static void
assert_tree (const char *text,
             const char *expected)
{
  g_autofree char *got = parse_dump (text);

  g_assert_cmpstr (got, ==, expected);
}

static void
assert_refused (const char *text,
                const char *message)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(UbShNode) tree = ub_sh_parse ("t.sh", lines, text, 1, &error);

  g_assert_null (tree);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSUPPORTED_SCRIPT);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_words (void)
{
  assert_tree ("fastboot flash boot_ab \"$(dirname $0)\"/images/boot.img",
               "(list (simple@1 ['fastboot'] ['flash'] ['boot_ab'] "
               "[q $((list (simple@1 ['dirname'] [$0]))) '/images/boot.img']))");
  assert_tree ("echo 'a  b' \"c $X d\" e\\ f",
               "(list (simple@1 ['echo'] [q 'a  b'] [q 'c ' $X ' d'] ['e f']))");
  assert_tree ("x=`cat f`; echo \"\"",
               "(list (simple@1 ['x=' $((list (simple@1 ['cat'] ['f'])))]) (simple@1 ['echo'] [q]))");
}

static void
test_pipelines (void)
{
  assert_tree ("fastboot $* getvar product 2>&1 | grep \"^product: *cepheus\" || exit 1",
               "(list (or (pipe (simple@1 ['fastboot'] [$*] ['getvar'] ['product'] <2>&1>) "
               "(simple@1 ['grep'] [q '^product: *cepheus'])) (simple@1 ['exit'] ['1'])))");
  assert_tree ("a && b || c\nd",
               "(list (or (and (simple@1 ['a']) (simple@1 ['b'])) (simple@1 ['c'])) (simple@2 ['d']))");
}

static void
test_compound (void)
{
  assert_tree ("if [ $? -ne 0 ] ; then\n  echo no\n  exit 1\nelse\n  echo yes\nfi",
               "(list (if@1 (list (simple@1 ['['] [$?] ['-ne'] ['0'] [']'])) "
               "(list (simple@2 ['echo'] ['no']) (simple@3 ['exit'] ['1'])) "
               "(list (simple@5 ['echo'] ['yes']))))");
  assert_tree ("handle_error() {\n  echo failed\n  exit 1\n}\ntrap handle_error ERR",
               "(list (func handle_error (group (list (simple@2 ['echo'] ['failed']) "
               "(simple@3 ['exit'] ['1'])))) (simple@5 ['trap'] ['handle_error'] ['ERR']))");
  assert_tree ("# comment\n{ a; b; }\necho a#b # a comment",
               "(list (group (list (simple@2 ['a']) (simple@2 ['b']))) "
               "(simple@3 ['echo'] ['a#b']))");
}

static void
test_refused (void)
{
  assert_refused ("echo $((1+2))",
                  "t.sh, line 1: arithmetic is not supported: “echo $((1+2))”");
  assert_refused ("echo \"open",
                  "t.sh, line 1: a quote is never closed: “echo \"open”");
  assert_refused ("ok\nif true; then\n  x\nelif y; then z; fi",
                  "t.sh, line 4: “elif” is not supported: “elif y; then z; fi”");
  assert_refused ("(cd x)", "t.sh, line 1: subshells are not supported: “(cd x)”");
  assert_refused ("sleep 1 &", "t.sh, line 1: background commands are not supported: “sleep 1 &”");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/shell-parser/words", test_words);
  g_test_add_func ("/shell-parser/pipelines", test_pipelines);
  g_test_add_func ("/shell-parser/compound", test_compound);
  g_test_add_func ("/shell-parser/refused", test_refused);
  return g_test_run ();
}
