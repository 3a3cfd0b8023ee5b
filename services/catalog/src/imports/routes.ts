import { inputOf, principalOf, problems, requireRole } from '@ticketing/platform';
import { mayManage, ownerOf, type RouteDeps } from '../deps.js';
import { findImport, rejectionsOf, toImportJob } from './queries.js';
import { receiveUpload, type UploadLimits } from './upload.js';

export function registerImportRoutes(deps: RouteDeps & { limits: UploadLimits; onQueued(): void }): void {
  const { api, pool, verifier } = deps;
  const partner = requireRole(verifier, 'partner', 'admin');

  api.operation('post', '/imports', partner, async (req, res) => {
    const principal = principalOf(req);
    const { importId, mode, batchSize } = inputOf(req).query as { importId?: string; mode?: 'file' | 'batch'; batchSize?: number };
    try {
      const { status, job } = await receiveUpload(
        pool,
        req,
        { importId, mode: mode ?? 'file', batchSize: batchSize ?? 1_000, ownerId: ownerOf(principal), actor: principal.sub },
        deps.limits,
      );
      if (status === 202) deps.onQueued();
      res.status(status).location(`/imports/${job.id}`).json(job);
    } catch (error) {
      // The rest of a refused upload is read and dropped, so the client gets the answer instead of a reset.
      req.unpipe();
      req.resume();
      throw error;
    }
  });

  /** The import, if `req`'s principal may see it (404 otherwise: ids of other organizations' imports are not confirmed). */
  async function visibleImport(req: Parameters<typeof principalOf>[0], importId: string) {
    const job = await findImport(pool, importId);
    if (!job || job.state === 'uploading' || !mayManage(principalOf(req), job.owner_id)) throw problems.notFound(`import ${importId}`);
    return job;
  }

  api.operation('get', '/imports/{importId}', partner, async (req, res) => {
    const { importId } = inputOf(req).params as { importId: string };
    res.json(toImportJob(await visibleImport(req, importId)));
  });

  api.operation('get', '/imports/{importId}/rejections', partner, async (req, res) => {
    const { params, query } = inputOf(req);
    const { importId } = params as { importId: string };
    const { after, limit } = query as { after?: number; limit?: number };
    await visibleImport(req, importId);
    res.json(await rejectionsOf(pool, importId, after ?? 0, limit ?? 100));
  });
}
