"""The SMS family, one unit: SMS verification codes and notices (验证码通知短信, ``sms.php``: Submit,
GetNum, AddTemplate; also ``/sms/Submit.json`` and ``/sms/GetNum.json``), international SMS
(国际短信, ``isms.php``) and marketing SMS (营销短信, ``sms.php`` on its own host). The three share one
codes table (docs/contract.md §11–§13)."""
