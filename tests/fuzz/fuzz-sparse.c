/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * UbSparseImage: an image file from fuzzed bytes is opened (the sparse
 * header and the whole chunk table validated), split for several
 * max-download-sizes and every piece read back through its stream; then the
 * same file as a vbmeta image with AOSP's --disable-verity flags.
 */
#include "config.h"

#include <string.h>

#include "ub-fastboot-error.h"
#include "ub-fuzz.h"
#include "ub-sparse-image.h"
#include "ub-vbmeta.h"

/* read at most this much of the pieces of one input: pieces may describe GiBs */
#define READ_BUDGET (4 * 1024 * 1024)

static char *path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ub_fuzz_quiet_logs ();
  path = g_build_filename (ub_fuzz_tmp_dir (), "image", NULL);
  return 0;
}

static void
read_pieces (UbSparseImage *image, guint64 *budget)
{
  guint n = ub_sparse_image_get_n_pieces (image);

  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n && *budget > 0; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GInputStream) stream = ub_sparse_image_open_piece (image, i, &error);
      guint64 size = ub_sparse_image_get_piece_size (image, i);
      guint64 got = 0;
      guint8 buf[65536];

      if (stream == NULL)
        {
          g_assert_nonnull (error);
          continue;
        }
      while (*budget > 0)
        {
          gssize r = g_input_stream_read (stream, buf, MIN (sizeof buf, *budget), NULL, &error);
          if (r <= 0)
            break;
          got += r;
          *budget -= r;
        }
      /* a piece is exactly as long as it says, unless the file failed under it */
      if (error == NULL && *budget > 0)
        g_assert_cmpuint (got, ==, size);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint64 limits[] = { 0, 4096, 3 * 4096 + 28, 64 * 1024, 1024 * 1024 };
  g_autoptr(UbSparseImage) image = NULL;
  g_autoptr(GError) error = NULL;
  guint64 budget = READ_BUDGET;

  if (path == NULL)
    LLVMFuzzerInitialize (NULL, NULL);
  ub_fuzz_write_file (path, data, size);

  image = ub_sparse_image_new_from_path (path, &error);
  if (image == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      g_clear_error (&error);
      if (ub_sparse_image_split (image, limits[i], NULL, &error))
        read_pieces (image, &budget);
      else
        g_assert_nonnull (error);
    }
  g_clear_object (&image);

  /* the same bytes as vbmeta, flags set in memory */
  g_clear_error (&error);
  image = ub_sparse_image_new_from_path (path, &error);
  if (image != NULL &&
      ub_sparse_image_set_vbmeta_flags (image, UB_VBMETA_FLAG_DISABLE_VERITY |
                                               UB_VBMETA_FLAG_DISABLE_VERIFICATION, &error) &&
      ub_sparse_image_split (image, 0, NULL, &error))
    read_pieces (image, &budget);
  return 0;
}
