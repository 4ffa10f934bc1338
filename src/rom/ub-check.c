/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ub-check.h"
#include "ub-enum-nick.h"

G_DEFINE_BOXED_TYPE (UbCheck, ub_check, ub_check_copy, ub_check_free)

UbCheck *
ub_check_new (const char    *id,
              UbCheckStatus  status,
              const char    *title,
              const char    *detail,
              const char    *next_step)
{
  UbCheck *check = g_new0 (UbCheck, 1);

  check->id = g_strdup (id);
  check->status = status;
  check->title = g_strdup (title);
  check->detail = g_strdup (detail);
  check->next_step = g_strdup (next_step);
  return check;
}

UbCheck *
ub_check_copy (const UbCheck *check)
{
  return ub_check_new (check->id, check->status, check->title, check->detail, check->next_step);
}

void
ub_check_free (UbCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->id);
  g_free (check->title);
  g_free (check->detail);
  g_free (check->next_step);
  g_free (check);
}

const char *
ub_check_status_to_string (UbCheckStatus status)
{
  const char *nick = ub_enum_nick (UB_TYPE_CHECK_STATUS, status);

  return nick != NULL ? nick : "unknown";
}
