/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The stand-alone driver of the normal builds: runs every file named on the
 * command line (or found in a folder named there) once through the target's
 * LLVMFuzzerTestOneInput, so a corpus is a regression test without clang.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ub-fuzz.h"

__attribute__((weak)) int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  return 0;
}

static guint
run_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      guint n = 0;

      if (dir == NULL)
        g_error ("%s", error->message);
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < names->len; i++)
        n += run_path (names->pdata[i]);
      return n;
    }
  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  fprintf (stderr, "Running %s (%zu bytes)\n", path, len);
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  return 1;
}

int
main (int argc, char **argv)
{
  guint n = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE|FOLDER…\n", argv[0]);
      return 2;
    }
  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    n += run_path (argv[i]);
  if (n == 0)
    {
      fprintf (stderr, "no input found\n");
      return 1;
    }
  printf ("%u inputs ran\n", n);
  return 0;
}
