import {
  BlobSASPermissions,
  BlobServiceClient,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters
} from '@azure/storage-blob'

/** Azurite's development account; its key is public and documented by Azure. */
export const DEV_ACCOUNT_NAME = 'devstoreaccount1'
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

export const CACHE_CONTAINER = 'actions-cache'
export const ARTIFACT_CONTAINER = 'actions-results'

export interface SignOptions {
  permissions: 'read' | 'write'
  /** Lifetime of the signature; the real services hand out short-lived URLs. */
  validForMs?: number
  /** Served back as Content-Disposition (the artifact service names the download this way). */
  contentDisposition?: string
}

/**
 * The blob store behind the services: Azurite, reached directly with the account key
 * for bookkeeping, and through the blob proxy for every signed URL handed to a client.
 */
export class BlobStore {
  readonly credential = new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY)
  readonly serviceClient: BlobServiceClient

  constructor(
    azuriteOrigin: string,
    /** Origin of the blob proxy, put into signed URLs. */
    private readonly publicOrigin: string
  ) {
    this.serviceClient = new BlobServiceClient(
      `${azuriteOrigin}/${DEV_ACCOUNT_NAME}`,
      this.credential
    )
  }

  async createContainers(): Promise<void> {
    for (const name of [CACHE_CONTAINER, ARTIFACT_CONTAINER]) {
      await this.serviceClient.getContainerClient(name).createIfNotExists()
    }
  }

  signedUrl(container: string, blobName: string, options: SignOptions): string {
    const now = Date.now()
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container,
        blobName,
        permissions: BlobSASPermissions.parse(options.permissions === 'read' ? 'r' : 'cw'),
        startsOn: new Date(now - 5 * 60_000),
        expiresOn: new Date(now + (options.validForMs ?? 60 * 60_000)),
        protocol: SASProtocol.HttpsAndHttp,
        contentDisposition: options.contentDisposition
      },
      this.credential
    ).toString()
    const encodedName = blobName.split('/').map(encodeURIComponent).join('/')
    return `${this.publicOrigin}/${DEV_ACCOUNT_NAME}/${container}/${encodedName}?${sas}`
  }

  /** Size and content type of a stored blob, or undefined when it does not exist. */
  async properties(
    container: string,
    blobName: string
  ): Promise<{ size: number; contentType?: string } | undefined> {
    const blob = this.serviceClient.getContainerClient(container).getBlobClient(blobName)
    try {
      const props = await blob.getProperties()
      return { size: props.contentLength ?? 0, contentType: props.contentType }
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined
      throw error
    }
  }

  async read(container: string, blobName: string): Promise<Buffer> {
    return this.serviceClient
      .getContainerClient(container)
      .getBlobClient(blobName)
      .downloadToBuffer()
  }

  async delete(container: string, blobName: string): Promise<void> {
    await this.serviceClient.getContainerClient(container).getBlobClient(blobName).deleteIfExists()
  }
}
