-- Exported CSV is opened in spreadsheets, which run a cell that starts with = + - @ (or a tab or
-- carriage return) as a formula: a prison group named =HYPERLINK(...) would become a link, or
-- worse. OWASP's rule: prefix such a cell with a single quote, which spreadsheets show as text.
-- Numbers are never passed through this (a negative number is data, not a formula).
create or replace function published.spreadsheet_safe(p_value text)
returns text
language sql
immutable
parallel safe
as $$
    select case when p_value ~ '^[=+\-@\t\r]' then '''' || p_value else p_value end
$$;
comment on function published.spreadsheet_safe(text) is 'The text with a leading single quote when it starts with = + - @, tab or carriage return, so a spreadsheet shows it as text instead of running it as a formula (OWASP CSV injection rule).';
