"""Voice notice (语音通知): ``/webservice/voice.php`` on the ``api.vm`` host, methods Submit and
GetNum, and the newer JSON API's ``/vm/Submit.json``."""
