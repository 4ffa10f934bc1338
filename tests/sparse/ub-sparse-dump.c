/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Test helper: plans the download pieces of an image for a given
 * max-download-size and writes them as OUTDIR/piece-N.bin, printing one line
 * per piece ("piece N SIZE"). Used by compare-aosp.py.
 */
#include <stdlib.h>

#include "ub-sparse-image.h"

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbSparseImage) image = NULL;
  guint64 limit;

  if (argc != 4)
    {
      g_printerr ("usage: %s IMAGE LIMIT OUTDIR\n", argv[0]);
      return 2;
    }
  limit = g_ascii_strtoull (argv[2], NULL, 0);
  image = ub_sparse_image_new_from_path (argv[1], &error);
  if (image == NULL || !ub_sparse_image_split (image, limit, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < ub_sparse_image_get_n_pieces (image); i++)
    {
      g_autofree char *name = g_strdup_printf ("piece-%u.bin", i);
      g_autofree char *path = g_build_filename (argv[3], name, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GFileOutputStream) out = NULL;
      g_autoptr(GInputStream) in = ub_sparse_image_open_piece (image, i, &error);
      gssize copied;

      if (in == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
      if (out == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      copied = g_output_stream_splice (G_OUTPUT_STREAM (out), in,
                                       G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                       G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                       NULL, &error);
      if (copied < 0)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      if ((guint64) copied != ub_sparse_image_get_piece_size (image, i))
        {
          g_printerr ("piece %u: streamed %" G_GSSIZE_FORMAT " bytes, planned %" G_GUINT64_FORMAT "\n",
                      i, copied, ub_sparse_image_get_piece_size (image, i));
          return 1;
        }
      g_print ("piece %u %" G_GUINT64_FORMAT "\n", i, ub_sparse_image_get_piece_size (image, i));
    }
  return EXIT_SUCCESS;
}
