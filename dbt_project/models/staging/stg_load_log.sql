select
    load_id,
    survey_year,
    survey,
    file_name,
    sha256,
    n_rows,
    status,
    message,
    loaded_at,
    key_fingerprint
from {{ source('raw', 'load_log') }}
