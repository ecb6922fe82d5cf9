"""Photo storage on S3-compatible servers (STORAGE_URL=s3://bucket; mentormatch.env.envstorage).

django-storages' S3Storage, reading a photo in one request instead of two: its file object asks
for the object's metadata (HEAD) before downloading it (GET). The photo view reads every photo it
serves, a page of search results shows twenty, and a sync web worker waits for each round trip.
"""

from io import BytesIO

from botocore.exceptions import ClientError
from django.core.files.base import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class PhotoS3Storage(S3Storage):
    def _open(self, name, mode="rb"):
        if mode != "rb":
            return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        try:
            response = self.bucket.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        except ClientError as error:
            # Only a missing photo is a missing file; a missing bucket or refused credentials
            # are the storage failing.
            if error.response.get("Error", {}).get("Code") == "NoSuchKey":
                raise FileNotFoundError(f"No such photo: {name}") from None
            raise
        # Photos are small (a 400 px JPEG): read whole, so that a failure mid-way is raised
        # here, in the view, and not while the response is being sent.
        with response["Body"] as body:
            return File(BytesIO(body.read()), name=name)
